# `cmake --install` rules of the package ndes_gateway, for internal callers:
#
#   find_package(ndes_gateway CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE ndes::proto)   # messages + gRPC stubs
#   target_link_libraries(app PRIVATE ndes::client)  # the C++ client library
#
# Under the prefix:
#   include/ndes_gateway/ndes/v1/*.pb.h, *.grpc.pb.h, *_mock.grpc.pb.h
#   include/ndes_gateway/ndes/client/*.h       (client library)
#   lib*/libndes_proto.a, libndes_client.a
#   lib*/cmake/ndes_gateway/                   (config, version, targets)
#   bin/ndes-gateway, bin/ndesctl, bin/ndes-bench (installed by their
#                                              directories)
# Only ndes.v1 is installed: no copy of a googleapis .proto (google.rpc is
# the server's own, see proto/CMakeLists.txt), so a consumer may link
# googleapis' generated code beside these libraries.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NDES_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/ndes_gateway")

set_target_properties(ndes_proto PROPERTIES EXPORT_NAME proto)
install(TARGETS ndes_proto ndes_client
  EXPORT ndes_gatewayTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# The generated headers, keeping their paths below gen/.
get_target_property(ndes_proto_headers ndes_proto NDES_GENERATED_HEADERS)
foreach(header IN LISTS ndes_proto_headers)
  file(RELATIVE_PATH relative "${PROJECT_BINARY_DIR}/gen" "${header}")
  get_filename_component(relative_dir "${relative}" DIRECTORY)
  install(FILES "${header}"
          DESTINATION "${NDES_INSTALL_INCLUDEDIR}/${relative_dir}")
endforeach()

# The field table beside the generated ndes/v1 headers.
install(FILES "${PROJECT_SOURCE_DIR}/proto/ndes/v1/connector_fields.h"
  DESTINATION "${NDES_INSTALL_INCLUDEDIR}/ndes/v1")

# The client library's public headers (internal/ is private).
install(DIRECTORY "${PROJECT_SOURCE_DIR}/client/ndes/client/"
  DESTINATION "${NDES_INSTALL_INCLUDEDIR}/ndes/client"
  FILES_MATCHING PATTERN "*.h"
  PATTERN "internal" EXCLUDE)

install(EXPORT ndes_gatewayTargets
  NAMESPACE ndes::
  FILE ndes_gatewayTargets.cmake
  DESTINATION "${NDES_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/ndes_gatewayConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/ndes_gatewayConfig.cmake"
  INSTALL_DESTINATION "${NDES_INSTALL_CMAKEDIR}")
# 0.x: a new minor version may change the API.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/ndes_gatewayConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/ndes_gatewayConfig.cmake"
  "${PROJECT_BINARY_DIR}/ndes_gatewayConfigVersion.cmake"
  DESTINATION "${NDES_INSTALL_CMAKEDIR}")
