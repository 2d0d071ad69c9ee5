#include "server/reflection_client.h"

#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace ndes::testing {
namespace {

using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

absl::StatusOr<ServerReflectionResponse> Ask(
    const std::shared_ptr<grpc::Channel>& channel,
    const ServerReflectionRequest& request) {
  std::unique_ptr<ServerReflection::Stub> stub =
      ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto stream = stub->ServerReflectionInfo(&context);
  ServerReflectionResponse response;
  if (!stream->Write(request) || !stream->WritesDone() ||
      !stream->Read(&response)) {
    grpc::Status status = stream->Finish();
    return absl::UnavailableError(
        absl::StrCat("reflection stream failed: ", status.error_message()));
  }
  stream->Finish();
  if (response.has_error_response()) {
    return absl::Status(
        static_cast<absl::StatusCode>(response.error_response().error_code()),
        response.error_response().error_message());
  }
  return response;
}

}  // namespace

ReflectionClient::ReflectionClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)) {}

absl::StatusOr<std::vector<std::string>> ReflectionClient::ListServices() {
  ServerReflectionRequest request;
  request.set_list_services("*");
  absl::StatusOr<ServerReflectionResponse> response = Ask(channel_, request);
  if (!response.ok()) return response.status();
  std::vector<std::string> names;
  for (const auto& service : response->list_services_response().service()) {
    names.push_back(service.name());
  }
  return names;
}

absl::Status ReflectionClient::AddFile(const std::string& name) {
  if (pool_.FindFileByName(name) != nullptr) return absl::OkStatus();
  auto it = files_.find(name);
  if (it == files_.end()) {
    ServerReflectionRequest request;
    request.set_file_by_filename(name);
    absl::StatusOr<ServerReflectionResponse> response = Ask(channel_, request);
    if (!response.ok()) return response.status();
    for (const std::string& bytes :
         response->file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) {
        return absl::DataLossError("undecodable FileDescriptorProto");
      }
      files_.emplace(file.name(), file);
    }
    it = files_.find(name);
    if (it == files_.end()) {
      return absl::NotFoundError(absl::StrCat("server did not send ", name));
    }
  }
  for (const std::string& dependency : it->second.dependency()) {
    if (absl::Status added = AddFile(dependency); !added.ok()) return added;
  }
  if (pool_.BuildFile(it->second) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot build ", name));
  }
  return absl::OkStatus();
}

absl::Status ReflectionClient::LoadSymbol(const std::string& symbol) {
  if (pool_.FindFileContainingSymbol(symbol) != nullptr)
    return absl::OkStatus();
  ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  absl::StatusOr<ServerReflectionResponse> response = Ask(channel_, request);
  if (!response.ok()) return response.status();
  std::string first;
  for (const std::string& bytes :
       response->file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    if (!file.ParseFromString(bytes)) {
      return absl::DataLossError("undecodable FileDescriptorProto");
    }
    if (first.empty()) first = file.name();
    files_.emplace(file.name(), file);
  }
  if (first.empty()) {
    return absl::NotFoundError(absl::StrCat("no file for ", symbol));
  }
  return AddFile(first);
}

absl::StatusOr<const google::protobuf::Descriptor*>
ReflectionClient::FindMessage(const std::string& full_name) {
  if (absl::Status loaded = LoadSymbol(full_name); !loaded.ok()) return loaded;
  const google::protobuf::Descriptor* d =
      pool_.FindMessageTypeByName(full_name);
  if (d == nullptr) return absl::NotFoundError(full_name);
  return d;
}

absl::StatusOr<const google::protobuf::ServiceDescriptor*>
ReflectionClient::FindService(const std::string& full_name) {
  if (absl::Status loaded = LoadSymbol(full_name); !loaded.ok()) return loaded;
  const google::protobuf::ServiceDescriptor* d =
      pool_.FindServiceByName(full_name);
  if (d == nullptr) return absl::NotFoundError(full_name);
  return d;
}

absl::StatusOr<google::protobuf::FileDescriptorProto>
ReflectionClient::FileProtoOf(const std::string& symbol) {
  if (absl::Status loaded = LoadSymbol(symbol); !loaded.ok()) return loaded;
  const google::protobuf::FileDescriptor* file =
      pool_.FindFileContainingSymbol(symbol);
  if (file == nullptr) return absl::NotFoundError(symbol);
  return files_.at(file->name());
}

ReflectionClient::CallResult ReflectionClient::Invoke(
    const std::string& service_and_method, const std::string& request_json) {
  CallResult result;
  const std::size_t slash = service_and_method.rfind('/');
  const std::string service_name = service_and_method.substr(0, slash);
  const std::string method_name = service_and_method.substr(slash + 1);
  absl::StatusOr<const google::protobuf::ServiceDescriptor*> service =
      FindService(service_name);
  if (!service.ok()) {
    result.status = grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 std::string(service.status().message()));
    return result;
  }
  const google::protobuf::MethodDescriptor* method =
      (*service)->FindMethodByName(method_name);
  if (method == nullptr) {
    result.status = grpc::Status(grpc::StatusCode::NOT_FOUND, method_name);
    return result;
  }

  std::unique_ptr<google::protobuf::Message> request(
      factory_.GetPrototype(method->input_type())->New());
  auto parsed =
      google::protobuf::util::JsonStringToMessage(request_json, request.get());
  if (!parsed.ok()) {
    result.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "request JSON: " + parsed.ToString());
    return result;
  }

  std::string wire = request->SerializeAsString();
  grpc::Slice slice(wire);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, absl::StrCat("/", service_name, "/", method_name),
                 {}, &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  result.status = done.get_future().get();

  if (result.status.ok()) {
    std::vector<grpc::Slice> slices;
    response_buffer.Dump(&slices);
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    std::unique_ptr<google::protobuf::Message> response(
        factory_.GetPrototype(method->output_type())->New());
    response->ParseFromString(bytes);
    google::protobuf::util::MessageToJsonString(*response,
                                                &result.response_json);
  } else if (!result.status.error_details().empty()) {
    absl::StatusOr<const google::protobuf::Descriptor*> status_type =
        FindMessage("google.rpc.Status");
    // Any payloads are resolved by JSON printing through the pool; load the
    // detail types the way grpcurl does, by asking reflection for them.
    if (status_type.ok() && FindMessage("google.rpc.BadRequest").ok()) {
      std::unique_ptr<google::protobuf::Message> details(
          factory_.GetPrototype(*status_type)->New());
      details->ParseFromString(result.status.error_details());
      google::protobuf::util::MessageToJsonString(*details,
                                                  &result.details_json);
    }
  }
  return result;
}

}  // namespace ndes::testing
