// What a Graph answer about a connector becomes: the one place where the
// Graph backend turns an HTTP answer into the store's result.
//
//   no answer          the HttpClient's status (http_client.h)
//   non-2xx            graph_errors.h's status, with the connector named
//                      first ("NDES connector \"x\": Graph answered 404 ...");
//                      a 409 means what the request says (AnswerRules)
//   2xx, a connector   that connector, with its etag: Graph's @odata.etag,
//                      or derived from its content when Graph sends none
//                      (content_etag.h); unknown properties are ignored and
//                      a state this version does not know is
//                      UNKNOWN_FUTURE_VALUE (translation/graph_json.h)
//   2xx, anything else INTERNAL: the gateway cannot vouch for it
//
// Every connector read from Graph tells GraphBehaviour whether Graph sent
// an etag.
//
// Thread-safe: pure functions apart from GraphBehaviour's record.
#ifndef NDES_SERVER_GRAPH_GRAPH_ANSWER_H_
#define NDES_SERVER_GRAPH_GRAPH_ANSWER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cpprest/json.h"
#include "graph/graph_behaviour.h"
#include "http/http_client.h"
#include "ndes/v1/ndes_connector.pb.h"
#include "store/connector_store.h"

namespace ndes::graph {

struct AnswerRules {
  // The connector asked about, named in errors; a 2xx answer about another
  // id is INTERNAL unless `any_id`. Empty: a create without an id.
  std::string id;
  // A create: Graph may have assigned its own id.
  bool any_id = false;
  // What a 409 means: ABORTED (a conflicting write), or ALREADY_EXISTS (a
  // create of an id that exists).
  absl::StatusCode conflict = absl::StatusCode::kAborted;
};

// A connector in Graph JSON (an answer's body, a list item), with its etag
// as above. INVALID_ARGUMENT (naming the property) when it is not one.
absl::StatusOr<ndes::v1::NdesConnector> ReadGraphConnector(
    const web::json::value& json, GraphBehaviour& behaviour);

// The store's result for `answer`, as the table above says.
absl::StatusOr<ndes::v1::NdesConnector> ConnectorOfAnswer(
    const absl::StatusOr<http::HttpResponse>& answer, const AnswerRules& rules,
    GraphBehaviour& behaviour);

// The store's status for an answer without a body to read (DELETE): OK for
// any 2xx.
absl::Status StatusOfAnswer(const absl::StatusOr<http::HttpResponse>& answer,
                            absl::string_view id);

// The status of a non-2xx answer about connector `id` (named first).
absl::Status ConnectorError(absl::string_view id,
                            const http::HttpResponse& response);

// Whether the answer is a 2xx HTTP response.
bool IsSuccess(const absl::StatusOr<http::HttpResponse>& answer);

// The HttpCallback that answers `done` with ConnectorOfAnswer /
// StatusOfAnswer. `behaviour` must outlive the request.
http::HttpCallback AnswerWithConnector(
    AnswerRules rules, GraphBehaviour& behaviour,
    store::StoreCallback<ndes::v1::NdesConnector> done);
http::HttpCallback AnswerWithStatus(std::string id, store::StatusCallback done);

}  // namespace ndes::graph

#endif  // NDES_SERVER_GRAPH_GRAPH_ANSWER_H_
