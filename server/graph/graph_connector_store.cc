#include "graph/graph_connector_store.h"

#include <cstddef>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/graph_answer.h"
#include "graph/graph_list_pages.h"
#include "graph/graph_urls.h"
#include "translation/graph_json.h"

namespace ndes::graph {

using ndes::v1::NdesConnector;
using store::CallContext;

absl::StatusOr<std::unique_ptr<GraphConnectorStore>>
GraphConnectorStore::Create(GraphStoreOptions options,
                            std::shared_ptr<http::HttpClient> http,
                            std::unique_ptr<GraphAuthorization> authorization,
                            std::unique_ptr<http::Scheduler> scheduler,
                            std::shared_ptr<GraphStats> stats) {
  absl::StatusOr<std::string> base = CheckedBaseUrl(options.base_url);
  if (!base.ok()) return base.status();
  if (absl::Status budget = ValidateRequestBudget(options.budget);
      !budget.ok()) {
    return budget;
  }
  options.base_url = *base;
  std::string collection_url = CollectionUrl(*base);
  return std::unique_ptr<GraphConnectorStore>(new GraphConnectorStore(
      std::move(options), std::move(collection_url), std::move(http),
      std::move(authorization), std::move(scheduler), std::move(stats)));
}

namespace {

RequestPacerOptions PacerOptionsOf(const GraphStoreOptions& options) {
  RequestPacerOptions pacer;
  pacer.budget = options.budget;
  pacer.clock = options.clock;
  return pacer;
}

std::string BudgetLine(const RequestBudget& budget) {
  if (!budget.enabled()) {
    return "Graph request budget: off (requests are sent at once)";
  }
  return absl::StrCat(
      "Graph request budget: ",
      budget.writes > 0 ? absl::StrCat(budget.writes) : std::string("any"),
      " writes and ",
      budget.requests > 0 ? absl::StrCat(budget.requests) : std::string("any"),
      " requests per ", absl::FormatDuration(budget.window), ", spread evenly");
}

}  // namespace

GraphConnectorStore::GraphConnectorStore(
    GraphStoreOptions options, std::string collection_url,
    std::shared_ptr<http::HttpClient> http,
    std::unique_ptr<GraphAuthorization> authorization,
    std::unique_ptr<http::Scheduler> scheduler,
    std::shared_ptr<GraphStats> stats)
    : options_(std::move(options)),
      collection_url_(std::move(collection_url)),
      http_(std::move(http)),
      authorization_(std::move(authorization)),
      stats_(std::move(stats)),
      behaviour_(options_.log),
      scheduler_(std::move(scheduler)),
      pacer_(PacerOptionsOf(options_), scheduler_.get(), stats_),
      transport_(http_, authorization_.get(), &pacer_, scheduler_.get(),
                 options_.retry, stats_),
      lanes_(&pacer_, this, stats_, !authorization_->UsesCallerCredentials(),
             options_.clock),
      gets_(&pacer_, this, stats_, !authorization_->UsesCallerCredentials(),
            options_.clock) {
  if (options_.log) options_.log(BudgetLine(options_.budget));
}

GraphConnectorStore::~GraphConnectorStore() {
  transport_.Shutdown();
  pacer_.Shutdown();
  // Runs pending retries and budget timers at once; they see the shutdown
  // and answer.
  scheduler_.reset();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

// Counts a store call in flight until its callback has returned, so that
// the destructor can wait for it.
template <typename Result>
absl::AnyInvocable<void(Result) &&> GraphConnectorStore::Track(
    absl::AnyInvocable<void(Result) &&> done) {
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  return [this, done = std::move(done)](Result result) mutable {
    std::move(done)(std::move(result));
    absl::MutexLock lock(&mu_);
    --in_flight_;
  };
}

std::string GraphConnectorStore::ConnectorUrl(absl::string_view segment) const {
  return absl::StrCat(collection_url_, "/", segment);
}

void GraphConnectorStore::Get(const CallContext& context, std::string id,
                              store::StoreCallback<NdesConnector> done) {
  if (absl::StatusOr<std::string> segment = IdSegment(id); !segment.ok()) {
    std::move(done)(segment.status());
    return;
  }
  gets_.Get(context, std::move(id), Track(std::move(done)));
}

void GraphConnectorStore::FetchAdmitted(
    const CallContext& context, std::string id,
    store::StoreCallback<NdesConnector> done) {
  const std::string url = ConnectorUrl(*IdSegment(id));
  AnswerRules rules;
  rules.id = std::move(id);
  transport_.Send(
      context, ClientRequestId(context), GraphRequest::Get(url),
      GraphTransport::Admission::kAdmitted,
      AnswerWithConnector(std::move(rules), behaviour_, std::move(done)));
}

void GraphConnectorStore::List(const CallContext& context,
                               store::ListQuery list_query,
                               store::StoreCallback<store::ListPage> done) {
  auto listing = std::make_shared<GraphListing>(
      page_tokens_, authorization_->UsesCallerCredentials()
                        ? context.authorization
                        : std::string());
  absl::StatusOr<ndes::internal::GraphListCursor> cursor =
      listing->Start(list_query);
  if (!cursor.ok()) {
    std::move(done)(cursor.status());
    return;
  }
  if (GraphListing::FromBuffer(*cursor)) {
    std::move(done)(listing->BufferedPage(
        *std::move(cursor), list_query.page_size, context.max_page_bytes));
    return;
  }
  const std::string url = absl::StrCat(collection_url_, "?", cursor->query());
  transport_.Send(
      context, ClientRequestId(context), GraphRequest::Get(url),
      GraphTransport::Admission::kQueue,
      [this, listing, cursor = *std::move(cursor),
       list_query = std::move(list_query), max_bytes = context.max_page_bytes,
       done = Track(std::move(done))](
          absl::StatusOr<http::HttpResponse> answer) mutable {
        if (!answer.ok()) {
          std::move(done)(answer.status());
        } else if (!IsSuccess(answer)) {
          std::move(done)(ConnectorError("", *answer));
        } else {
          std::move(done)(listing->GraphPage(std::move(cursor), list_query,
                                             max_bytes, answer->body,
                                             behaviour_));
        }
      });
}

void GraphConnectorStore::Create(const CallContext& context,
                                 NdesConnector connector,
                                 store::StoreCallback<NdesConnector> done) {
  connector.clear_etag();
  web::json::value body = translation::ConnectorToGraphJson(connector);
  // Without an id Graph assigns one.
  if (connector.id().empty()) body.erase("id");
  const std::string client_request_id = ClientRequestId(context);
  transport_.Send(context, client_request_id,
                  GraphRequest::Post(collection_url_, body.serialize()),
                  GraphTransport::Admission::kQueue,
                  [this, context, client_request_id, id = connector.id(),
                   done = Track(std::move(done))](
                      absl::StatusOr<http::HttpResponse> answer) mutable {
                    Created(context, client_request_id, id, std::move(answer),
                            absl::StatusCode::kAlreadyExists, std::move(done));
                  });
}

void GraphConnectorStore::Update(const CallContext& context,
                                 store::UpdateCommand command,
                                 store::StoreCallback<NdesConnector> done) {
  if (absl::StatusOr<std::string> segment = IdSegment(command.id);
      !segment.ok()) {
    std::move(done)(segment.status());
    return;
  }
  lanes_.Update(context, std::move(command), Track(std::move(done)));
}

void GraphConnectorStore::Delete(const CallContext& context, std::string id,
                                 std::string expected_etag,
                                 store::StatusCallback done) {
  if (absl::StatusOr<std::string> segment = IdSegment(id); !segment.ok()) {
    std::move(done)(segment.status());
    return;
  }
  lanes_.Delete(context, std::move(id), std::move(expected_etag),
                Track(std::move(done)));
}

}  // namespace ndes::graph
