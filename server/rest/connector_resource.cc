#include "rest/connector_resource.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "query/selection.h"
#include "rest/graph_error.h"
#include "rest/list_walk.h"
#include "rest/odata_options.h"
#include "rest/rest_json.h"
#include "service/connector_requests.h"
#include "text/untrusted_text.h"
#include "translation/graph_patch.h"

namespace ndes::rest {
namespace {

using ndes::v1::NdesConnector;

constexpr absl::string_view kGet = "GetNdesConnector";
constexpr absl::string_view kList = "ListNdesConnectors";
constexpr absl::string_view kCreate = "CreateNdesConnector";
constexpr absl::string_view kUpdate = "UpdateNdesConnectors";
constexpr absl::string_view kDelete = "DeleteNdesConnector";

std::string EntitySetContext(const RestCall& call,
                             absl::string_view select_text) {
  std::string context =
      absl::StrCat(call.base_url, "/$metadata#deviceManagement/ndesConnectors");
  if (!select_text.empty()) absl::StrAppend(&context, "(", select_text, ")");
  return context;
}

std::string ItemUrl(const RestCall& call, absl::string_view id) {
  return absl::StrCat(call.base_url, kCollectionPath, "/",
                      EncodePathSegment(id));
}

RestResponse Entity(int status, const RestCall& call,
                    const NdesConnector& connector,
                    const query::Selection& selection,
                    absl::string_view select_text) {
  RestResponse response;
  response.status = status;
  web::json::value json = ConnectorEntityJson(connector, selection);
  json["@odata.context"] = web::json::value::string(
      absl::StrCat(EntitySetContext(call, select_text), "/$entity"));
  response.json = std::move(json);
  if (!connector.etag().empty()) {
    response.headers.emplace_back("ETag", connector.etag());
  }
  return response;
}

// `id`, if a Get may name it (the id rule of the gRPC face).
absl::StatusOr<std::string> IdToRead(std::string id) {
  ndes::v1::GetNdesConnectorRequest get;
  get.set_id(std::move(id));
  absl::StatusOr<service::ConnectorRead> read = service::ConnectorReadOf(get);
  if (!read.ok()) return read.status();
  return std::move(read->id);
}

// Prefer: return=minimal, among the header's comma-separated preferences.
bool PrefersMinimal(const RestRequest& request) {
  std::optional<std::string> prefer = request.Header("Prefer");
  if (!prefer.has_value()) return false;
  for (absl::string_view preference : absl::StrSplit(*prefer, ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(preference),
                               "return=minimal")) {
      return true;
    }
  }
  return false;
}

// The etag an If-Match asks for; "" for none or "*" (any version).
std::string ExpectedEtag(const RestRequest& request) {
  std::optional<std::string> if_match = request.Header("If-Match");
  if (!if_match.has_value()) return "";
  std::string etag(absl::StripAsciiWhitespace(*if_match));
  return etag == "*" ? "" : etag;
}

// The answer to a write: the entity, or 204 when the caller prefers it.
RestResponse Written(int status, const RestCall& call,
                     const NdesConnector& connector, bool minimal) {
  if (!minimal) {
    return Entity(status, call, connector, query::Selection::All(), "");
  }
  RestResponse response;
  response.status = 204;
  response.headers.emplace_back("Preference-Applied", "return=minimal");
  if (!connector.etag().empty()) {
    response.headers.emplace_back("ETag", connector.etag());
  }
  return response;
}

// A List in progress: $count, then $skip, then the page.
struct ListRun {
  RestCall call;
  CollectionOptions options;
  RestDone done;
  std::optional<int64_t> count;

  void Fail(const absl::Status& error) {
    std::move(done)(RestResponse::Error(error));
  }
};

std::string NextLink(const ListRun& run, absl::string_view token) {
  std::string link = absl::StrCat(run.call.base_url, kCollectionPath, "?");
  for (const auto& [name, value] : run.options.carried) {
    absl::StrAppend(&link, EncodeQueryComponent(name), "=",
                    EncodeQueryComponent(value), "&");
  }
  absl::StrAppend(&link, "$skiptoken=", EncodeQueryComponent(token));
  return link;
}

void AnswerPage(ListRun& run, const store::ListPage& page) {
  web::json::value body = web::json::value::object();
  body["@odata.context"] = web::json::value::string(
      EntitySetContext(run.call, run.options.select_text));
  if (run.count.has_value()) {
    body["@odata.count"] = web::json::value::number(*run.count);
  }
  web::json::value values = web::json::value::array(page.connectors.size());
  for (std::size_t i = 0; i < page.connectors.size(); ++i) {
    values[i] =
        ConnectorEntityJson(page.connectors[i], run.options.list.selection);
  }
  body["value"] = std::move(values);
  if (!page.next_page_token.empty()) {
    body["@odata.nextLink"] =
        web::json::value::string(NextLink(run, page.next_page_token));
  }
  RestResponse response;
  response.json = std::move(body);
  std::move(run.done)(std::move(response));
}

void ReadPage(store::ConnectorStore& store, std::shared_ptr<ListRun> run) {
  if (run->options.empty_page) {
    AnswerPage(*run, store::ListPage{});
    return;
  }
  store.List(run->call.context, run->options.list,
             [run](absl::StatusOr<store::ListPage> page) {
               if (!page.ok()) return run->Fail(page.status());
               AnswerPage(*run, *page);
             });
}

// Passes over options.skip matching connectors, then reads the page from
// where they end.
void Skip(store::ConnectorStore& store, std::shared_ptr<ListRun> run) {
  if (run->options.skip == 0) return ReadPage(store, std::move(run));
  store::ListQuery query = run->options.list;
  query.page_size = static_cast<int>(
      std::min<int64_t>(run->options.skip, store::kMaxPageSize));
  WalkPages(store, run->call.context, std::move(query),
            [&store, run, left = run->options.skip](
                absl::StatusOr<store::ListPage> page,
                store::ListQuery* query) mutable {
              if (!page.ok()) {
                run->Fail(page.status());
                return false;
              }
              left -= static_cast<int64_t>(page->connectors.size());
              if (page->next_page_token.empty()) {
                // Fewer matches than $skip: an empty last page.
                AnswerPage(*run, store::ListPage{});
                return false;
              }
              if (left <= 0) {
                run->options.list.page_token = page->next_page_token;
                run->options.skip = 0;
                ReadPage(store, run);
                return false;
              }
              query->page_token = page->next_page_token;
              query->page_size = static_cast<int>(
                  std::min<int64_t>(left, store::kMaxPageSize));
              return true;
            });
}

// Counts every connector that matches `filter`, reading ids only.
void CountMatches(store::ConnectorStore& store,
                  const store::CallContext& context, query::Filter filter,
                  absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done) {
  store::ListQuery query;
  query.page_size = store::kMaxPageSize;
  query.filter = std::move(filter);
  query.selection = query::Selection::Of({});
  WalkPages(store, context, std::move(query),
            [done = std::move(done), counted = int64_t{0}](
                absl::StatusOr<store::ListPage> page,
                store::ListQuery* query) mutable {
              if (!page.ok()) {
                std::move(done)(page.status());
                return false;
              }
              counted += static_cast<int64_t>(page->connectors.size());
              if (page->next_page_token.empty()) {
                std::move(done)(counted);
                return false;
              }
              query->page_token = page->next_page_token;
              return true;
            });
}

}  // namespace

absl::string_view ConnectorResource::OperationOf(const RestRoute& route,
                                                 absl::string_view method) {
  switch (route.resource) {
    case RestResource::kCollection:
      if (method == "GET") return kList;
      if (method == "POST") return kCreate;
      return "";
    case RestResource::kCount:
      return method == "GET" ? kList : "";
    case RestResource::kItem:
      if (method == "GET") return kGet;
      if (method == "PATCH") return kUpdate;
      if (method == "DELETE") return kDelete;
      return "";
    case RestResource::kBatch:
      return "";
  }
  return "";
}

void ConnectorResource::Handle(const RestCall& call, const RestRoute& route,
                               RestRequest request, RestDone done) const {
  const std::string& method = request.method;
  switch (route.resource) {
    case RestResource::kCollection:
      if (method == "GET") return List(call, request, std::move(done));
      if (method == "POST") return Create(call, request, std::move(done));
      return std::move(done)(
          RestResponse::MethodNotAllowed(method, "GET, POST"));
    case RestResource::kCount:
      if (method == "GET") return Count(call, request, std::move(done));
      return std::move(done)(RestResponse::MethodNotAllowed(method, "GET"));
    case RestResource::kItem:
      if (method == "GET") {
        return GetItem(call, route.id, request, std::move(done));
      }
      if (method == "PATCH") {
        return Update(call, route.id, request, std::move(done));
      }
      if (method == "DELETE") {
        return Delete(call, route.id, request, std::move(done));
      }
      return std::move(done)(
          RestResponse::MethodNotAllowed(method, "GET, PATCH, DELETE"));
    case RestResource::kBatch:
      break;
  }
  std::move(done)(RestResponse::Error(
      absl::InternalError("a batch reached the connector resource")));
}

void ConnectorResource::GetItem(const RestCall& call, std::string id,
                                const RestRequest& request,
                                RestDone done) const {
  absl::StatusOr<ItemOptions> options = ParseItemOptions(request.query);
  if (!options.ok())
    return std::move(done)(RestResponse::Error(options.status()));
  absl::StatusOr<std::string> checked = IdToRead(std::move(id));
  if (!checked.ok()) {
    return std::move(done)(RestResponse::Error(checked.status()));
  }
  store_.Get(
      call.context, *std::move(checked),
      [call, options = *std::move(options), done = std::move(done)](
          absl::StatusOr<NdesConnector> connector) mutable {
        if (!connector.ok()) {
          return std::move(done)(RestResponse::Error(connector.status()));
        }
        query::Apply(options.selection, &*connector);
        std::move(done)(Entity(200, call, *connector, options.selection,
                               options.select_text));
      });
}

void ConnectorResource::Create(const RestCall& call, const RestRequest& request,
                               RestDone done) const {
  absl::StatusOr<web::json::value> body = ParseJsonObject(request.body);
  if (!body.ok()) return std::move(done)(RestResponse::Error(body.status()));
  std::string id;
  if (body->has_field("id")) {
    const web::json::value& given = body->at("id");
    if (!given.is_string()) {
      return std::move(done)(RestResponse::Error(
          absl::InvalidArgumentError("the property \"id\" must be a string")));
    }
    id = given.as_string();
  }
  absl::StatusOr<translation::GraphPatch> document =
      translation::ParseGraphPatchDocument(*body, id);
  if (!document.ok()) {
    return std::move(done)(RestResponse::Error(document.status()));
  }
  ndes::v1::CreateNdesConnectorRequest create;
  *create.mutable_ndes_connector() = std::move(document->values);
  create.mutable_ndes_connector()->set_id(std::move(id));
  absl::StatusOr<NdesConnector> connector = service::ConnectorToCreate(create);
  if (!connector.ok()) {
    return std::move(done)(RestResponse::Error(connector.status()));
  }
  store_.Create(
      call.context, *std::move(connector),
      [call,
       done = std::move(done)](absl::StatusOr<NdesConnector> created) mutable {
        if (!created.ok()) {
          return std::move(done)(RestResponse::Error(created.status()));
        }
        RestResponse response = Written(201, call, *created, false);
        response.headers.emplace_back("Location", ItemUrl(call, created->id()));
        std::move(done)(std::move(response));
      });
}

void ConnectorResource::Update(const RestCall& call, std::string id,
                               const RestRequest& request,
                               RestDone done) const {
  absl::StatusOr<web::json::value> body = ParseJsonObject(request.body);
  if (!body.ok()) return std::move(done)(RestResponse::Error(body.status()));
  absl::StatusOr<translation::GraphPatch> document =
      translation::ParseGraphPatchDocument(*body, id);
  if (!document.ok()) {
    return std::move(done)(RestResponse::Error(document.status()));
  }
  const bool minimal = PrefersMinimal(request);
  std::string expected_etag = ExpectedEtag(request);
  if (document->fields.empty()) {
    // Nothing to change: the connector as stored, if If-Match holds.
    absl::StatusOr<std::string> checked = IdToRead(std::move(id));
    if (!checked.ok()) {
      return std::move(done)(RestResponse::Error(checked.status()));
    }
    store_.Get(
        call.context, *std::move(checked),
        [call, minimal, expected_etag = std::move(expected_etag),
         done =
             std::move(done)](absl::StatusOr<NdesConnector> connector) mutable {
          if (!connector.ok()) {
            return std::move(done)(RestResponse::Error(connector.status()));
          }
          if (!expected_etag.empty() && expected_etag != connector->etag()) {
            return std::move(done)(RestResponse::Error(absl::AbortedError(
                absl::StrCat("connector \"", connector->id(),
                             "\" has changed: its etag is not the If-Match "
                             "etag"))));
          }
          std::move(done)(Written(200, call, *connector, minimal));
        });
    return;
  }
  ndes::v1::UpdateNdesConnectorsRequest update;
  *update.mutable_ndes_connector() = std::move(document->values);
  update.mutable_ndes_connector()->set_id(std::move(id));
  update.mutable_ndes_connector()->set_etag(std::move(expected_etag));
  for (v1::ConnectorField field : document->fields.Fields()) {
    update.mutable_update_mask()->add_paths(std::string(v1::MaskPath(field)));
  }
  absl::StatusOr<store::UpdateCommand> command =
      service::UpdateCommandOf(std::move(update));
  if (!command.ok()) {
    return std::move(done)(RestResponse::Error(command.status()));
  }
  store_.Update(
      call.context, *std::move(command),
      [call, minimal,
       done = std::move(done)](absl::StatusOr<NdesConnector> updated) mutable {
        if (!updated.ok()) {
          return std::move(done)(RestResponse::Error(updated.status()));
        }
        std::move(done)(Written(200, call, *updated, minimal));
      });
}

void ConnectorResource::Delete(const RestCall& call, std::string id,
                               const RestRequest& request,
                               RestDone done) const {
  ndes::v1::DeleteNdesConnectorRequest remove;
  remove.set_id(std::move(id));
  remove.set_etag(ExpectedEtag(request));
  absl::StatusOr<std::string> checked = service::IdToDelete(remove);
  if (!checked.ok()) {
    return std::move(done)(RestResponse::Error(checked.status()));
  }
  store_.Delete(call.context, *std::move(checked), remove.etag(),
                [done = std::move(done)](absl::Status deleted) mutable {
                  if (!deleted.ok()) {
                    return std::move(done)(RestResponse::Error(deleted));
                  }
                  RestResponse response;
                  response.status = 204;
                  std::move(done)(std::move(response));
                });
}

void ConnectorResource::List(const RestCall& call, const RestRequest& request,
                             RestDone done) const {
  absl::StatusOr<CollectionOptions> options =
      ParseCollectionOptions(request.query);
  if (!options.ok()) {
    return std::move(done)(RestResponse::Error(options.status()));
  }
  auto run = std::make_shared<ListRun>(
      ListRun{call, *std::move(options), std::move(done), std::nullopt});
  if (!run->options.count) return Skip(store_, std::move(run));
  store::ConnectorStore& store = store_;
  CountMatches(store_, call.context, run->options.list.filter,
               [&store, run](absl::StatusOr<int64_t> count) mutable {
                 if (!count.ok()) return run->Fail(count.status());
                 run->count = *count;
                 Skip(store, std::move(run));
               });
}

void ConnectorResource::Count(const RestCall& call, const RestRequest& request,
                              RestDone done) const {
  absl::StatusOr<CollectionOptions> options =
      ParseCollectionOptions(request.query);
  if (!options.ok()) {
    return std::move(done)(RestResponse::Error(options.status()));
  }
  CountMatches(store_, call.context, std::move(options->list.filter),
               [done = std::move(done)](absl::StatusOr<int64_t> count) mutable {
                 if (!count.ok()) {
                   return std::move(done)(RestResponse::Error(count.status()));
                 }
                 RestResponse response;
                 response.text = absl::StrCat(*count);
                 std::move(done)(std::move(response));
               });
}

}  // namespace ndes::rest
