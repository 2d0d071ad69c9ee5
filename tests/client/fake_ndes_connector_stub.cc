#include "client/fake_ndes_connector_stub.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/field_mask_util.h"
#include "grpcpp/test/client_context_test_peer.h"
#include "gtest/gtest.h"

namespace ndes::testing {
namespace {

using ::google::protobuf::util::FieldMaskUtil;
using ::ndes::v1::NdesConnector;

constexpr int kDefaultPageSize = 50;

FakeNdesConnectorStub::Call CallTo(std::string method) {
  FakeNdesConnectorStub::Call call;
  call.method = std::move(method);
  return call;
}

template <typename Reader>
Reader* NotImplemented(const char* method) {
  ADD_FAILURE() << "FakeNdesConnectorStub: " << method
                << " is not implemented (the client must call the "
                   "synchronous methods)";
  return nullptr;
}

}  // namespace

void FakeNdesConnectorStub::Put(const NdesConnector& connector) {
  absl::MutexLock lock(&mu_);
  connectors_[connector.id()] = connector;
}

NdesConnector FakeNdesConnectorStub::Stored(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = connectors_.find(id);
  return it == connectors_.end() ? NdesConnector() : it->second;
}

void FakeNdesConnectorStub::FailNext(grpc::Status status, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) failures_.push_back(status);
}

std::vector<FakeNdesConnectorStub::Call> FakeNdesConnectorStub::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

grpc::Status FakeNdesConnectorStub::Begin(Call call,
                                          grpc::ClientContext* context) {
  call.metadata =
      grpc::testing::ClientContextTestPeer(context).GetSendInitialMetadata();
  call.deadline = context->deadline();
  calls_.push_back(std::move(call));
  if (failures_.empty()) return grpc::Status::OK;
  grpc::Status failure = failures_.front();  // OK: behave normally
  failures_.pop_front();
  return failure;
}

std::string FakeNdesConnectorStub::NextEtag() {
  return absl::StrCat("W/\"", ++revision_, "\"");
}

grpc::Status FakeNdesConnectorStub::UpdateNdesConnectors(
    grpc::ClientContext* context,
    const ndes::v1::UpdateNdesConnectorsRequest& request,
    NdesConnector* response) {
  absl::MutexLock lock(&mu_);
  Call call;
  call.method = "UpdateNdesConnectors";
  call.update_request = request;
  if (grpc::Status s = Begin(std::move(call), context); !s.ok()) return s;
  const NdesConnector& patch = request.ndes_connector();
  auto it = connectors_.find(patch.id());
  if (it == connectors_.end()) {
    if (!request.allow_missing()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("no connector ", patch.id()));
    }
    NdesConnector created = patch;
    created.set_etag(NextEtag());
    *response = connectors_[patch.id()] = created;
    return grpc::Status::OK;
  }
  if (!patch.etag().empty() && patch.etag() != it->second.etag()) {
    return grpc::Status(grpc::StatusCode::ABORTED, "stale etag");
  }
  if (request.update_mask().paths().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the fake needs an update_mask");
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, request.update_mask(), options,
                                &it->second);
  it->second.set_etag(NextEtag());
  *response = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeNdesConnectorStub::GetNdesConnector(
    grpc::ClientContext* context,
    const ndes::v1::GetNdesConnectorRequest& request, NdesConnector* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = Begin(CallTo("GetNdesConnector"), context); !s.ok()) {
    return s;
  }
  auto it = connectors_.find(request.id());
  if (it == connectors_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no connector ", request.id()));
  }
  *response = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeNdesConnectorStub::ListNdesConnectors(
    grpc::ClientContext* context,
    const ndes::v1::ListNdesConnectorsRequest& request,
    ndes::v1::ListNdesConnectorsResponse* response) {
  absl::MutexLock lock(&mu_);
  Call call;
  call.method = "ListNdesConnectors";
  call.list_request = request;
  if (grpc::Status s = Begin(std::move(call), context); !s.ok()) return s;
  // The token is the last id of the previous page.
  const int page_size =
      request.page_size() > 0 ? request.page_size() : kDefaultPageSize;
  auto it = request.page_token().empty()
                ? connectors_.begin()
                : connectors_.upper_bound(request.page_token());
  for (;
       it != connectors_.end() && response->ndes_connectors_size() < page_size;
       ++it) {
    *response->add_ndes_connectors() = it->second;
  }
  if (it != connectors_.end()) {
    response->set_next_page_token(std::prev(it)->first);
  }
  return grpc::Status::OK;
}

grpc::Status FakeNdesConnectorStub::CreateNdesConnector(
    grpc::ClientContext* context,
    const ndes::v1::CreateNdesConnectorRequest& request,
    NdesConnector* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = Begin(CallTo("CreateNdesConnector"), context); !s.ok()) {
    return s;
  }
  NdesConnector created = request.ndes_connector();
  if (created.id().empty()) {
    created.set_id(absl::StrCat("generated-", revision_ + 1));
  }
  if (connectors_.count(created.id()) != 0) {
    return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                        absl::StrCat("connector ", created.id(), " exists"));
  }
  created.set_etag(NextEtag());
  *response = connectors_[created.id()] = created;
  return grpc::Status::OK;
}

grpc::Status FakeNdesConnectorStub::DeleteNdesConnector(
    grpc::ClientContext* context,
    const ndes::v1::DeleteNdesConnectorRequest& request,
    google::protobuf::Empty* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status s = Begin(CallTo("DeleteNdesConnector"), context); !s.ok()) {
    return s;
  }
  auto it = connectors_.find(request.id());
  if (it == connectors_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no connector ", request.id()));
  }
  if (!request.etag().empty() && request.etag() != it->second.etag()) {
    return grpc::Status(grpc::StatusCode::ABORTED, "stale etag");
  }
  connectors_.erase(it);
  return grpc::Status::OK;
}

FakeNdesConnectorStub::NdesConnectorReader*
FakeNdesConnectorStub::AsyncUpdateNdesConnectorsRaw(
    grpc::ClientContext*, const ndes::v1::UpdateNdesConnectorsRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<NdesConnectorReader>("AsyncUpdateNdesConnectors");
}
FakeNdesConnectorStub::NdesConnectorReader*
FakeNdesConnectorStub::PrepareAsyncUpdateNdesConnectorsRaw(
    grpc::ClientContext*, const ndes::v1::UpdateNdesConnectorsRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<NdesConnectorReader>(
      "PrepareAsyncUpdateNdesConnectors");
}
FakeNdesConnectorStub::NdesConnectorReader*
FakeNdesConnectorStub::AsyncGetNdesConnectorRaw(
    grpc::ClientContext*, const ndes::v1::GetNdesConnectorRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<NdesConnectorReader>("AsyncGetNdesConnector");
}
FakeNdesConnectorStub::NdesConnectorReader*
FakeNdesConnectorStub::PrepareAsyncGetNdesConnectorRaw(
    grpc::ClientContext*, const ndes::v1::GetNdesConnectorRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<NdesConnectorReader>("PrepareAsyncGetNdesConnector");
}
FakeNdesConnectorStub::ListReader*
FakeNdesConnectorStub::AsyncListNdesConnectorsRaw(
    grpc::ClientContext*, const ndes::v1::ListNdesConnectorsRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<ListReader>("AsyncListNdesConnectors");
}
FakeNdesConnectorStub::ListReader*
FakeNdesConnectorStub::PrepareAsyncListNdesConnectorsRaw(
    grpc::ClientContext*, const ndes::v1::ListNdesConnectorsRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<ListReader>("PrepareAsyncListNdesConnectors");
}
FakeNdesConnectorStub::NdesConnectorReader*
FakeNdesConnectorStub::AsyncCreateNdesConnectorRaw(
    grpc::ClientContext*, const ndes::v1::CreateNdesConnectorRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<NdesConnectorReader>("AsyncCreateNdesConnector");
}
FakeNdesConnectorStub::NdesConnectorReader*
FakeNdesConnectorStub::PrepareAsyncCreateNdesConnectorRaw(
    grpc::ClientContext*, const ndes::v1::CreateNdesConnectorRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<NdesConnectorReader>("PrepareAsyncCreateNdesConnector");
}
FakeNdesConnectorStub::EmptyReader*
FakeNdesConnectorStub::AsyncDeleteNdesConnectorRaw(
    grpc::ClientContext*, const ndes::v1::DeleteNdesConnectorRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<EmptyReader>("AsyncDeleteNdesConnector");
}
FakeNdesConnectorStub::EmptyReader*
FakeNdesConnectorStub::PrepareAsyncDeleteNdesConnectorRaw(
    grpc::ClientContext*, const ndes::v1::DeleteNdesConnectorRequest&,
    grpc::CompletionQueue*) {
  return NotImplemented<EmptyReader>("PrepareAsyncDeleteNdesConnector");
}

}  // namespace ndes::testing
