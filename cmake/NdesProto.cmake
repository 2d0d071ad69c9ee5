# ndes_proto_library(<target> PROTOS <file.proto>... [GRPC])
#
# Generates C++ for PROTOS (paths relative to ${PROJECT_SOURCE_DIR}/proto)
# into the build tree and builds a static library from it. With GRPC, gRPC
# service stubs (including mocks) are generated too. The generated headers
# are listed in the target property NDES_GENERATED_HEADERS (for install rules).

# Where installed headers go, under the prefix (cmake/NdesInstall.cmake): one
# project-specific root.
set(NDES_INSTALL_INCLUDEDIR include/ndes_gateway)

function(ndes_proto_library target)
  cmake_parse_arguments(ARG "GRPC" "" "PROTOS;DEPENDS" ${ARGN})
  set(proto_root "${PROJECT_SOURCE_DIR}/proto")
  set(out_dir "${PROJECT_BINARY_DIR}/gen")
  set(sources)
  set(headers)
  set(inputs)
  foreach(proto IN LISTS ARG_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem "${proto}")
    list(APPEND inputs "${proto_root}/${proto}")
    list(APPEND sources "${out_dir}/${stem}.pb.cc")
    list(APPEND headers "${out_dir}/${stem}.pb.h")
    if(ARG_GRPC)
      list(APPEND sources "${out_dir}/${stem}.grpc.pb.cc")
      list(APPEND headers "${out_dir}/${stem}.grpc.pb.h" "${out_dir}/${stem}_mock.grpc.pb.h")
    endif()
  endforeach()
  set(grpc_args)
  if(ARG_GRPC)
    set(grpc_args "--grpc_out=generate_mock_code=true:${out_dir}"
                  "--plugin=protoc-gen-grpc=${NDES_GRPC_CPP_PLUGIN}")
  endif()
  add_custom_command(
    OUTPUT ${sources} ${headers}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
    COMMAND protobuf::protoc
            "--proto_path=${proto_root}"
            "--proto_path=${Protobuf_INCLUDE_DIR}"
            "--cpp_out=${out_dir}" ${grpc_args} ${ARG_PROTOS}
    DEPENDS ${inputs} protobuf::protoc
    WORKING_DIRECTORY "${proto_root}"
    COMMENT "Generating C++ for ${target}"
    VERBATIM)
  add_library(${target} STATIC ${sources} ${headers})
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${out_dir}>"
                             "$<INSTALL_INTERFACE:${NDES_INSTALL_INCLUDEDIR}>")
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf ${ARG_DEPENDS})
  if(ARG_GRPC)
    target_link_libraries(${target} PUBLIC PkgConfig::GRPCPP)
  endif()
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON
                        NDES_GENERATED_HEADERS "${headers}")
endfunction()
