// The gateway in graph mode pointed at another gateway's REST face: the
// Graph backend, written against Graph's documentation, talks to the face,
// written to answer as Graph does, and the pair must keep every rule of the
// store conformance suite (queries included: the face evaluates $filter,
// $orderby and $select). Neither side was written for the other, so a face
// that strays from Graph's wire shows up here as a store that breaks a rule.
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "graph/graph_authorization.h"
#include "graph/graph_connector_store.h"
#include "graph/graph_stats.h"
#include "graph/retry_policy.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "rest/rest_face.h"
#include "service/authorizer.h"
#include "store/connector_store.h"
#include "store/connector_store_conformance.h"
#include "store/memory_connector_store.h"

namespace ndes::rest {
namespace {

using ::ndes::store::CallContext;
using ::ndes::store::ConnectorStore;
using ::ndes::store::testing::ConnectorStoreConformanceParam;
using ::ndes::store::testing::ConnectorStoreConformanceParamName;
using ::ndes::store::testing::ConnectorStoreConformanceTest;

constexpr char kToken[] = "Bearer loop-token";

// The face lets in only the one token the backend sends.
class OneTokenAuthorizer final : public service::Authorizer {
 public:
  absl::StatusOr<service::Caller> Authorize(absl::string_view authorization,
                                            service::Access) const override {
    if (authorization != kToken) {
      return absl::UnauthenticatedError("not the loop's token");
    }
    return service::Caller{"graph-backend"};
  }
};

// What an app registration's token cache gives the backend, fixed.
class FixedTokenAuthorization final : public graph::GraphAuthorization {
 public:
  void Authorize(const CallContext&,
                 graph::AuthorizationCallback done) override {
    std::move(done)(std::string(kToken));
  }
  bool UsesCallerCredentials() const override { return false; }
  bool Invalidate(const std::string&) override { return false; }
};

// A Graph backend whose Graph is a REST face over a memory store. Members
// are destroyed in reverse order: the backend first, then the face, then
// the store behind it.
class GraphOverRestFace final
    : public store::testing::ForwardingConnectorStore {
 public:
  static absl::StatusOr<std::unique_ptr<ConnectorStore>> Make() {
    auto result = std::unique_ptr<GraphOverRestFace>(new GraphOverRestFace());
    RestFaceOptions face_options;
    face_options.authorizer = &result->authorizer_;
    absl::StatusOr<std::unique_ptr<RestFace>> face =
        RestFace::Start(face_options, *result->behind_);
    if (!face.ok()) return face.status();
    result->face_ = *std::move(face);

    graph::GraphStoreOptions options;
    options.base_url = result->face_->url();
    options.retry.max_attempts = 3;
    options.retry.initial_backoff = absl::Milliseconds(5);
    options.retry.max_backoff = absl::Milliseconds(20);
    absl::StatusOr<std::unique_ptr<graph::GraphConnectorStore>> store =
        graph::GraphConnectorStore::Create(
            std::move(options), std::make_shared<http::CpprestHttpClient>(),
            std::make_unique<FixedTokenAuthorization>(),
            std::make_unique<http::ThreadScheduler>(),
            graph::GraphStats::Unexposed());
    if (!store.ok()) return store.status();
    result->graph_ = *std::move(store);
    return result;
  }

 private:
  GraphOverRestFace()
      : behind_(std::make_unique<store::MemoryConnectorStore>()) {}
  ConnectorStore& target() override { return *graph_; }

  std::unique_ptr<store::MemoryConnectorStore> behind_;
  OneTokenAuthorizer authorizer_;
  std::unique_ptr<RestFace> face_;
  std::unique_ptr<graph::GraphConnectorStore> graph_;
};

INSTANTIATE_TEST_SUITE_P(GraphOverRestFace, ConnectorStoreConformanceTest,
                         ::testing::Values(ConnectorStoreConformanceParam{
                             "GraphOverRestFace",
                             [](const std::string&) {
                               return GraphOverRestFace::Make();
                             },
                             {},
                             /*evaluates_queries=*/true}),
                         ConnectorStoreConformanceParamName);

}  // namespace
}  // namespace ndes::rest
