// gRPC server reflection, versions v1 and v1alpha, answered from a
// DescriptorIndex, so that `grpcurl list`, `grpcurl describe` (with the
// .proto comments) and `grpcurl -d '{...}' ...` work with no .proto file at
// hand.
//
// gRPC's own reflection plugin describes the generated descriptor pool, from
// which protoc's generated code has dropped every comment; this service
// serves the files as protoc wrote them instead.
//
// Thread-safe. The index must outlive the service.
#ifndef NDES_SERVER_REFLECTION_REFLECTION_SERVICE_H_
#define NDES_SERVER_REFLECTION_REFLECTION_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "reflection/descriptor_index.h"

namespace ndes::reflection {

// Decides whether a reflection stream may start (e.g. inbound auth); a
// non-OK status ends the stream with it. Empty: every stream may.
using AdmissionCheck =
    std::function<grpc::Status(const grpc::CallbackServerContext&)>;

// grpc.reflection.v1.ServerReflection.
class ReflectionServiceV1 final
    : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  // `services` is what list_services answers: the server's service names.
  ReflectionServiceV1(const DescriptorIndex& index,
                      std::vector<std::string> services,
                      AdmissionCheck admit = nullptr);

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const DescriptorIndex& index_;
  const std::vector<std::string> services_;
  const AdmissionCheck admit_;
};

// grpc.reflection.v1alpha.ServerReflection.
class ReflectionServiceV1Alpha final
    : public grpc::reflection::v1alpha::ServerReflection::CallbackService {
 public:
  ReflectionServiceV1Alpha(const DescriptorIndex& index,
                           std::vector<std::string> services,
                           AdmissionCheck admit = nullptr);

  grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                          grpc::reflection::v1alpha::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const DescriptorIndex& index_;
  const std::vector<std::string> services_;
  const AdmissionCheck admit_;
};

}  // namespace ndes::reflection

#endif  // NDES_SERVER_REFLECTION_REFLECTION_SERVICE_H_
