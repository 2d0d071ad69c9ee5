#include "reflection/reflection_service.h"

#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/support/server_callback.h"

namespace ndes::reflection {
namespace {

// Answers one reflection request. Request and Response are the v1 or v1alpha
// messages, which have the same fields.
template <typename Request, typename Response>
Response Answer(const DescriptorIndex& index,
                const std::vector<std::string>& services,
                const Request& request) {
  Response response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;

  auto files = [&](absl::StatusOr<std::vector<std::string>> found) {
    if (!found.ok()) {
      response.mutable_error_response()->set_error_code(
          static_cast<int>(found.status().code()));
      response.mutable_error_response()->set_error_message(
          std::string(found.status().message()));
      return;
    }
    auto* out = response.mutable_file_descriptor_response();
    for (std::string& file : *found)
      out->add_file_descriptor_proto(std::move(file));
  };

  switch (request.message_request_case()) {
    case Request::kFileByFilename:
      files(index.FileWithImports(request.file_by_filename()));
      break;
    case Request::kFileContainingSymbol:
      files(index.FileContainingSymbol(request.file_containing_symbol()));
      break;
    case Request::kFileContainingExtension:
      // None of the described files declares extensions.
      response.mutable_error_response()->set_error_code(
          static_cast<int>(grpc::StatusCode::NOT_FOUND));
      response.mutable_error_response()->set_error_message(
          "no extensions are declared");
      break;
    case Request::kAllExtensionNumbersOfType:
      if (index.HasMessage(request.all_extension_numbers_of_type())) {
        response.mutable_all_extension_numbers_response()->set_base_type_name(
            request.all_extension_numbers_of_type());
      } else {
        response.mutable_error_response()->set_error_code(
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
        response.mutable_error_response()->set_error_message(
            "unknown type: " + request.all_extension_numbers_of_type());
      }
      break;
    case Request::kListServices:
      for (const std::string& name : services) {
        response.mutable_list_services_response()->add_service()->set_name(
            name);
      }
      break;
    default:
      response.mutable_error_response()->set_error_code(
          static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      response.mutable_error_response()->set_error_message(
          "empty reflection request");
      break;
  }
  return response;
}

grpc::Status Admit(const AdmissionCheck& check,
                   const grpc::CallbackServerContext& context) {
  return check ? check(context) : grpc::Status::OK;
}

// One reflection stream: read a request, write its answer, repeat until the
// client half-closes.
template <typename Request, typename Response>
class ReflectionStream final
    : public grpc::ServerBidiReactor<Request, Response> {
 public:
  ReflectionStream(const DescriptorIndex& index,
                   const std::vector<std::string>& services,
                   const grpc::Status& admission)
      : index_(index), services_(services) {
    if (!admission.ok()) {
      this->Finish(admission);
      return;
    }
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::OK);
      return;
    }
    response_ = Answer<Request, Response>(index_, services_, request_);
    this->StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "reflection stream broken"));
      return;
    }
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const DescriptorIndex& index_;
  const std::vector<std::string>& services_;
  Request request_;
  Response response_;
};

}  // namespace

ReflectionServiceV1::ReflectionServiceV1(const DescriptorIndex& index,
                                         std::vector<std::string> services,
                                         AdmissionCheck admit)
    : index_(index), services_(std::move(services)), admit_(std::move(admit)) {}

grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                        grpc::reflection::v1::ServerReflectionResponse>*
ReflectionServiceV1::ServerReflectionInfo(
    grpc::CallbackServerContext* context) {
  return new ReflectionStream<grpc::reflection::v1::ServerReflectionRequest,
                              grpc::reflection::v1::ServerReflectionResponse>(
      index_, services_, Admit(admit_, *context));
}

ReflectionServiceV1Alpha::ReflectionServiceV1Alpha(
    const DescriptorIndex& index, std::vector<std::string> services,
    AdmissionCheck admit)
    : index_(index), services_(std::move(services)), admit_(std::move(admit)) {}

grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                        grpc::reflection::v1alpha::ServerReflectionResponse>*
ReflectionServiceV1Alpha::ServerReflectionInfo(
    grpc::CallbackServerContext* context) {
  return new ReflectionStream<
      grpc::reflection::v1alpha::ServerReflectionRequest,
      grpc::reflection::v1alpha::ServerReflectionResponse>(
      index_, services_, Admit(admit_, *context));
}

}  // namespace ndes::reflection
