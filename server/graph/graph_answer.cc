#include "graph/graph_answer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/content_etag.h"
#include "graph/graph_errors.h"
#include "text/untrusted_text.h"
#include "translation/graph_json.h"

namespace ndes::graph {

using ndes::v1::NdesConnector;

bool IsSuccess(const absl::StatusOr<http::HttpResponse>& answer) {
  return answer.ok() && answer->status_code >= 200 && answer->status_code < 300;
}

absl::StatusOr<NdesConnector> ReadGraphConnector(const web::json::value& json,
                                                 GraphBehaviour& behaviour) {
  absl::StatusOr<NdesConnector> connector =
      translation::ConnectorFromGraphJson(json);
  if (!connector.ok()) return connector.status();
  behaviour.SawEtag(!connector->etag().empty());
  if (connector->etag().empty()) {
    connector->set_etag(DerivedEtag(*connector));
  }
  return connector;
}

absl::Status ConnectorError(absl::string_view id,
                            const http::HttpResponse& response) {
  absl::Status graph = StatusFromGraphError(response);
  if (id.empty()) return graph;
  return absl::Status(graph.code(), absl::StrCat("NDES connector \"", id,
                                                 "\": ", graph.message()));
}

absl::StatusOr<NdesConnector> ConnectorOfAnswer(
    const absl::StatusOr<http::HttpResponse>& answer, const AnswerRules& rules,
    GraphBehaviour& behaviour) {
  if (!answer.ok()) return answer.status();
  const http::HttpResponse& response = *answer;
  if (!IsSuccess(answer)) {
    absl::Status error = ConnectorError(rules.id, response);
    if (response.status_code == 409) {
      return absl::Status(rules.conflict, error.message());
    }
    return error;
  }
  std::error_code error;
  web::json::value json = web::json::value::parse(response.body, error);
  if (error || !json.is_object()) {
    return absl::InternalError(
        absl::StrCat("Graph answered ", response.status_code,
                     " with a body that is not a JSON object"));
  }
  absl::StatusOr<NdesConnector> connector = ReadGraphConnector(json, behaviour);
  if (!connector.ok()) {
    return absl::InternalError(
        absl::StrCat("Graph answered ", response.status_code,
                     " with a body that is not an ndesConnector: ",
                     connector.status().message()));
  }
  if (connector->id().empty() ||
      (!rules.any_id && !rules.id.empty() && connector->id() != rules.id)) {
    return absl::InternalError(absl::StrCat(
        "Graph answered ", response.status_code,
        " with a body that is not the ndesConnector asked for (id ",
        text::QuoteUntrusted(connector->id()), ")"));
  }
  return connector;
}

absl::Status StatusOfAnswer(const absl::StatusOr<http::HttpResponse>& answer,
                            absl::string_view id) {
  if (!answer.ok()) return answer.status();
  if (!IsSuccess(answer)) return ConnectorError(id, *answer);
  return absl::OkStatus();
}

http::HttpCallback AnswerWithConnector(
    AnswerRules rules, GraphBehaviour& behaviour,
    store::StoreCallback<NdesConnector> done) {
  return [rules = std::move(rules), &behaviour, done = std::move(done)](
             absl::StatusOr<http::HttpResponse> answer) mutable {
    std::move(done)(ConnectorOfAnswer(answer, rules, behaviour));
  };
}

http::HttpCallback AnswerWithStatus(std::string id,
                                    store::StatusCallback done) {
  return [id = std::move(id), done = std::move(done)](
             absl::StatusOr<http::HttpResponse> answer) mutable {
    std::move(done)(StatusOfAnswer(answer, id));
  };
}

}  // namespace ndes::graph
