// The writes of GraphConnectorStore, run by ConnectorWriteLanes when their
// turn comes: updates (with their follow-ups), deletes, and the reads of
// their etag compares; and what a POST that created a connector becomes.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cpprest/base_uri.h"
#include "cpprest/json.h"
#include "graph/content_etag.h"
#include "graph/graph_answer.h"
#include "graph/graph_connector_store.h"
#include "graph/graph_urls.h"
#include "translation/graph_json.h"
#include "translation/graph_patch.h"
#include "translation/resource_id.h"

namespace ndes::graph {
namespace {

using ndes::v1::NdesConnector;
using store::CallContext;

using Admission = GraphTransport::Admission;

// The If-Match of a write whose compare passed on `current`: Graph's own
// etag, or "*" (it exists) when Graph sends none.
std::string IfMatchFor(const NdesConnector& current) {
  return IsDerivedEtag(current.etag()) ? "*" : current.etag();
}

absl::Status NoLongerExists(absl::string_view id, absl::string_view etag) {
  return absl::AbortedError(absl::StrCat("NDES connector \"", id,
                                         "\" no longer exists, so etag ", etag,
                                         " is stale"));
}

std::string AssignedIdsMessage(absl::string_view id) {
  return absl::StrCat(
      "NDES connector \"", id,
      "\" does not exist, and Graph assigns its own ids to the connectors "
      "it creates, so allow_missing cannot create it under this id; create "
      "it without an id (CreateNdesConnector) and use the id Graph gives it");
}

// The id of the connector a 2xx answer to a POST names, when its body is
// not a connector: the body's "id", else the last segment of Location
// (".../ndesConnectors/{id}" or ".../ndesConnectors('{id}')").
std::string IdOfCreated(const http::HttpResponse& response) {
  std::error_code error;
  const web::json::value body = web::json::value::parse(response.body, error);
  std::string id;
  if (!error && body.is_object() && body.has_field("id") &&
      body.at("id").is_string()) {
    id = body.at("id").as_string();
  } else if (std::optional<std::string> location =
                 response.Header("Location")) {
    absl::string_view path = *location;
    path = path.substr(0, path.find_first_of("?#"));
    absl::string_view segment = path.substr(path.rfind('/') + 1);
    if (const std::size_t open = segment.find("('");
        open != absl::string_view::npos && absl::EndsWith(segment, "')")) {
      segment = segment.substr(open + 2, segment.size() - open - 4);
    }
    id = web::uri::decode(std::string(segment));
  }
  return translation::ValidateConnectorId(id, "id").ok() ? id : "";
}

}  // namespace

void GraphConnectorStore::RunUpdate(const CallContext& context,
                                    store::UpdateCommand command,
                                    Admission admission,
                                    store::StoreCallback<NdesConnector> done) {
  std::string client_request_id = ClientRequestId(context);
  if (command.expected_etag.empty()) {
    Patch(context, std::move(client_request_id), std::move(command), "",
          admission, std::move(done));
    return;
  }
  const std::string id = command.id;
  const std::string etag = command.expected_etag;
  const bool create_if_missing = command.create_if_missing;
  ReadForCompare(
      context, client_request_id, id, etag, create_if_missing, admission,
      [this, context, client_request_id, command = std::move(command),
       done = std::move(done)](absl::StatusOr<NdesConnector> current) mutable {
        if (!current.ok()) {
          std::move(done)(current.status());
          return;
        }
        Patch(context, client_request_id, std::move(command),
              IfMatchFor(*current), Admission::kFront, std::move(done));
      });
}

void GraphConnectorStore::Patch(const CallContext& context,
                                std::string client_request_id,
                                store::UpdateCommand command,
                                std::string if_match, Admission admission,
                                store::StoreCallback<NdesConnector> done) {
  std::string body =
      translation::BuildGraphPatchDocument(command.values, command.fields)
          .serialize();
  const std::string url = ConnectorUrl(*IdSegment(command.id));
  transport_.Send(
      context, client_request_id,
      GraphRequest::Patch(url, std::move(body), std::move(if_match)), admission,
      [this, context, client_request_id, command = std::move(command),
       done =
           std::move(done)](absl::StatusOr<http::HttpResponse> answer) mutable {
        if (answer.ok() && answer->status_code == 404 &&
            command.create_if_missing) {
          if (!command.expected_etag.empty()) {
            std::move(done)(NoLongerExists(command.id, command.expected_etag));
            return;
          }
          NdesConnector missing = std::move(command.values);
          missing.set_id(command.id);
          CreateMissing(context, client_request_id, std::move(missing),
                        std::move(done));
          return;
        }
        if (IsSuccess(answer) &&
            (answer->status_code == 204 || answer->body.empty())) {
          // Intune often answers a PATCH with 204 and no body, whatever
          // Prefer says: read the connector back.
          FollowUpGet(context, client_request_id, command.id, std::move(done));
          return;
        }
        AnswerRules rules;
        rules.id = command.id;
        std::move(done)(ConnectorOfAnswer(answer, rules, behaviour_));
      });
}

void GraphConnectorStore::ReadForCompare(
    const CallContext& context, std::string client_request_id,
    const std::string& id, const std::string& expected_etag,
    bool missing_is_stale, Admission admission,
    store::StoreCallback<NdesConnector> done) {
  transport_.Send(
      context, std::move(client_request_id),
      GraphRequest::Get(ConnectorUrl(*IdSegment(id))), admission,
      [this, id, expected_etag, missing_is_stale, done = std::move(done)](
          absl::StatusOr<http::HttpResponse> answer) mutable {
        AnswerRules rules;
        rules.id = id;
        absl::StatusOr<NdesConnector> current =
            ConnectorOfAnswer(answer, rules, behaviour_);
        if (!current.ok()) {
          std::move(done)(absl::IsNotFound(current.status()) && missing_is_stale
                              ? NoLongerExists(id, expected_etag)
                              : current.status());
          return;
        }
        if (!EtagMatches(expected_etag, *current)) {
          std::move(done)(absl::AbortedError(
              absl::StrCat("NDES connector \"", id, "\": etag ", expected_etag,
                           " is stale, the connector's etag is now ",
                           current->etag(), "; read it again and retry")));
          return;
        }
        std::move(done)(std::move(current));
      });
}

void GraphConnectorStore::RunDelete(const CallContext& context, std::string id,
                                    std::string expected_etag,
                                    Admission admission,
                                    store::StatusCallback done) {
  std::string client_request_id = ClientRequestId(context);
  const std::string url = ConnectorUrl(*IdSegment(id));
  if (expected_etag.empty()) {
    transport_.Send(context, std::move(client_request_id),
                    GraphRequest::Delete(url, ""), admission,
                    AnswerWithStatus(std::move(id), std::move(done)));
    return;
  }
  ReadForCompare(
      context, client_request_id, id, expected_etag,
      /*missing_is_stale=*/false, admission,
      [this, context, client_request_id, id, url,
       done = std::move(done)](absl::StatusOr<NdesConnector> current) mutable {
        if (!current.ok()) {
          std::move(done)(current.status());
          return;
        }
        transport_.Send(context, client_request_id,
                        GraphRequest::Delete(url, IfMatchFor(*current)),
                        Admission::kFront,
                        AnswerWithStatus(std::move(id), std::move(done)));
      });
}

void GraphConnectorStore::FollowUpGet(
    const CallContext& context, std::string client_request_id, std::string id,
    store::StoreCallback<NdesConnector> done) {
  const std::string url = ConnectorUrl(*IdSegment(id));
  AnswerRules rules;
  rules.id = std::move(id);
  transport_.Send(
      context, std::move(client_request_id), GraphRequest::Get(url),
      Admission::kFront,
      AnswerWithConnector(std::move(rules), behaviour_, std::move(done)));
}

void GraphConnectorStore::Created(const CallContext& context,
                                  std::string client_request_id,
                                  std::string asked_id,
                                  absl::StatusOr<http::HttpResponse> answer,
                                  absl::StatusCode conflict,
                                  store::StoreCallback<NdesConnector> done) {
  AnswerRules rules;
  rules.id = asked_id;
  rules.any_id = true;
  rules.conflict = conflict;
  absl::StatusOr<NdesConnector> created =
      ConnectorOfAnswer(answer, rules, behaviour_);
  if (created.ok()) behaviour_.SawCreate(asked_id, created->id());
  if (created.ok() || !IsSuccess(answer)) {
    std::move(done)(std::move(created));
    return;
  }
  // Graph created a connector but its answer does not show it: read it
  // back. Never INTERNAL, and never a reason to create again.
  const std::string id = IdOfCreated(*answer);
  if (id.empty()) {
    std::move(done)(absl::UnknownError(absl::StrCat(
        "Graph answered ", answer->status_code,
        " to the create without naming the connector it created; it may "
        "exist: list the connectors before creating it again")));
    return;
  }
  FollowUpGet(context, std::move(client_request_id), id,
              [this, asked_id, id, done = std::move(done)](
                  absl::StatusOr<NdesConnector> read) mutable {
                if (read.ok()) {
                  behaviour_.SawCreate(asked_id, read->id());
                  std::move(done)(std::move(read));
                  return;
                }
                std::move(done)(absl::UnknownError(absl::StrCat(
                    "Graph created NDES connector \"", id,
                    "\" but it could not be read back (",
                    read.status().message(), "); do not create it again")));
              });
}

void GraphConnectorStore::CreateMissing(
    const CallContext& context, std::string client_request_id,
    NdesConnector connector, store::StoreCallback<NdesConnector> done) {
  const std::string asked_id = connector.id();
  if (behaviour_.ids() == GraphBehaviour::Ids::kAssigned) {
    std::move(done)(
        absl::FailedPreconditionError(AssignedIdsMessage(asked_id)));
    return;
  }
  connector.clear_etag();
  transport_.Send(
      context, client_request_id,
      GraphRequest::Post(
          collection_url_,
          translation::ConnectorToGraphJson(connector).serialize()),
      Admission::kFront,
      [this, context, client_request_id, asked_id, done = std::move(done)](
          absl::StatusOr<http::HttpResponse> answer) mutable {
        if (answer.ok() && answer->status_code == 409) {
          std::move(done)(absl::AbortedError(absl::StrCat(
              "NDES connector \"", asked_id,
              "\" was created by another caller meanwhile; retry the "
              "update")));
          return;
        }
        Created(
            context, client_request_id, asked_id, std::move(answer),
            absl::StatusCode::kAborted,
            [this, context, client_request_id, asked_id,
             done = std::move(done)](
                absl::StatusOr<NdesConnector> created) mutable {
              if (!created.ok() || created->id() == asked_id) {
                std::move(done)(std::move(created));
                return;
              }
              // Graph put it under an id of its own: an upsert that creates
              // another connector each time is no upsert. Undo it.
              const std::string other = created->id();
              absl::StatusOr<std::string> segment = IdSegment(other);
              if (!segment.ok()) {
                std::move(done)(absl::FailedPreconditionError(absl::StrCat(
                    AssignedIdsMessage(asked_id),
                    "; Graph created it meanwhile under an id the gateway "
                    "cannot address: ",
                    segment.status().message())));
                return;
              }
              transport_.Send(
                  context, client_request_id,
                  GraphRequest::Delete(ConnectorUrl(*segment), ""),
                  Admission::kFront,
                  [asked_id, other, done = std::move(done)](
                      absl::StatusOr<http::HttpResponse> deleted) mutable {
                    absl::Status removed = StatusOfAnswer(deleted, other);
                    std::move(done)(absl::FailedPreconditionError(absl::StrCat(
                        AssignedIdsMessage(asked_id),
                        removed.ok()
                            ? std::string()
                            : absl::StrCat(
                                  "; the connector Graph created meanwhile, "
                                  "\"",
                                  other, "\", could not be removed: ",
                                  removed.message()))));
                  });
            });
      });
}

}  // namespace ndes::graph
