# Every dependency comes from Debian 12's packages; deploy/install-deps.sh
# installs them.

find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(cpprestsdk CONFIG REQUIRED)
find_package(SQLite3 REQUIRED)
# libpq, for the PostgreSQL store (Debian: libpq-dev).
find_package(PostgreSQL REQUIRED)
find_package(OpenSSL REQUIRED)

# Debian's gRPC ships pkg-config files; its CMake config is incomplete.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
find_program(NDES_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_library(NDES_GRPCPP_REFLECTION grpc++_reflection REQUIRED)
# The embedded HTTP server (Debian: libmicrohttpd-dev), and GnuTLS, its TLS
# library, to require client certificates (libgnutls28-dev, which
# libmicrohttpd-dev depends on).
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(GNUTLS REQUIRED IMPORTED_TARGET gnutls)

# The tests' own packages (GoogleTest here; tests/ finds the rest) are
# needed only with BUILD_TESTING, which is ON unless -DBUILD_TESTING=OFF.
if(BUILD_TESTING)
  find_package(GTest)
  if(NOT GTest_FOUND)
    message(FATAL_ERROR "The tests need GoogleTest (Debian: libgtest-dev "
            "libgmock-dev; `bash deploy/install-deps.sh` installs every test "
            "package). To build and run the gateway without the tests, "
            "configure with -DBUILD_TESTING=OFF.")
  endif()
endif()
