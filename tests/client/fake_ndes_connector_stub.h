// FakeNdesConnectorStub: an in-memory ndes.v1.NdesConnectorService behind the
// generated StubInterface, for unit tests of the client library and ndesctl.
//
// It behaves like a small gateway (ids ordered for List, page tokens, etags
// that change on every write, NOT_FOUND / ALREADY_EXISTS / ABORTED,
// allow_missing), records every call with the metadata and deadline its
// ClientContext carried, and can be told to fail the next calls with a
// given status (to exercise retries). The asynchronous methods are not
// implemented: the client library never uses them, and a call fails the
// test.
//
// Thread-safe.
#ifndef NDES_TESTS_CLIENT_FAKE_NDES_CONNECTOR_STUB_H_
#define NDES_TESTS_CLIENT_FAKE_NDES_CONNECTOR_STUB_H_

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "ndes/v1/ndes_connector_service.grpc.pb.h"

namespace ndes::testing {

class FakeNdesConnectorStub
    : public ndes::v1::NdesConnectorService::StubInterface {
 public:
  struct Call {
    std::string method;  // "GetNdesConnector", …
    std::multimap<std::string, std::string> metadata;
    std::chrono::system_clock::time_point deadline;
    ndes::v1::UpdateNdesConnectorsRequest update_request;  // Update only
    ndes::v1::ListNdesConnectorsRequest list_request;      // List only
  };

  // Stores `connector` as is (give it an etag if the test needs one).
  void Put(const ndes::v1::NdesConnector& connector);
  // The stored connector, or an empty one (empty id) when there is none.
  ndes::v1::NdesConnector Stored(const std::string& id) const;
  // The next `times` calls (any method) fail with `status` before touching
  // the store. Queued statuses are used in order; a queued OK lets its call
  // behave normally, so FailNext(OK) then FailNext(error) fails the second.
  void FailNext(grpc::Status status, int times = 1);
  std::vector<Call> calls() const;

  grpc::Status UpdateNdesConnectors(
      grpc::ClientContext* context,
      const ndes::v1::UpdateNdesConnectorsRequest& request,
      ndes::v1::NdesConnector* response) override;
  grpc::Status GetNdesConnector(
      grpc::ClientContext* context,
      const ndes::v1::GetNdesConnectorRequest& request,
      ndes::v1::NdesConnector* response) override;
  grpc::Status ListNdesConnectors(
      grpc::ClientContext* context,
      const ndes::v1::ListNdesConnectorsRequest& request,
      ndes::v1::ListNdesConnectorsResponse* response) override;
  grpc::Status CreateNdesConnector(
      grpc::ClientContext* context,
      const ndes::v1::CreateNdesConnectorRequest& request,
      ndes::v1::NdesConnector* response) override;
  grpc::Status DeleteNdesConnector(
      grpc::ClientContext* context,
      const ndes::v1::DeleteNdesConnectorRequest& request,
      google::protobuf::Empty* response) override;

 private:
  using NdesConnectorReader =
      grpc::ClientAsyncResponseReaderInterface<ndes::v1::NdesConnector>;
  using ListReader = grpc::ClientAsyncResponseReaderInterface<
      ndes::v1::ListNdesConnectorsResponse>;
  using EmptyReader =
      grpc::ClientAsyncResponseReaderInterface<google::protobuf::Empty>;

  NdesConnectorReader* AsyncUpdateNdesConnectorsRaw(
      grpc::ClientContext*, const ndes::v1::UpdateNdesConnectorsRequest&,
      grpc::CompletionQueue*) override;
  NdesConnectorReader* PrepareAsyncUpdateNdesConnectorsRaw(
      grpc::ClientContext*, const ndes::v1::UpdateNdesConnectorsRequest&,
      grpc::CompletionQueue*) override;
  NdesConnectorReader* AsyncGetNdesConnectorRaw(
      grpc::ClientContext*, const ndes::v1::GetNdesConnectorRequest&,
      grpc::CompletionQueue*) override;
  NdesConnectorReader* PrepareAsyncGetNdesConnectorRaw(
      grpc::ClientContext*, const ndes::v1::GetNdesConnectorRequest&,
      grpc::CompletionQueue*) override;
  ListReader* AsyncListNdesConnectorsRaw(
      grpc::ClientContext*, const ndes::v1::ListNdesConnectorsRequest&,
      grpc::CompletionQueue*) override;
  ListReader* PrepareAsyncListNdesConnectorsRaw(
      grpc::ClientContext*, const ndes::v1::ListNdesConnectorsRequest&,
      grpc::CompletionQueue*) override;
  NdesConnectorReader* AsyncCreateNdesConnectorRaw(
      grpc::ClientContext*, const ndes::v1::CreateNdesConnectorRequest&,
      grpc::CompletionQueue*) override;
  NdesConnectorReader* PrepareAsyncCreateNdesConnectorRaw(
      grpc::ClientContext*, const ndes::v1::CreateNdesConnectorRequest&,
      grpc::CompletionQueue*) override;
  EmptyReader* AsyncDeleteNdesConnectorRaw(
      grpc::ClientContext*, const ndes::v1::DeleteNdesConnectorRequest&,
      grpc::CompletionQueue*) override;
  EmptyReader* PrepareAsyncDeleteNdesConnectorRaw(
      grpc::ClientContext*, const ndes::v1::DeleteNdesConnectorRequest&,
      grpc::CompletionQueue*) override;

  // Records the call; returns the injected failure when there is one.
  grpc::Status Begin(Call call, grpc::ClientContext* context)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NextEtag() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, ndes::v1::NdesConnector> connectors_
      ABSL_GUARDED_BY(mu_);
  std::deque<grpc::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  int revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ndes::testing

#endif  // NDES_TESTS_CLIENT_FAKE_NDES_CONNECTOR_STUB_H_
