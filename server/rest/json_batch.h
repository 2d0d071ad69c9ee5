// JSON batching (POST /beta/$batch), as Graph documents it:
//
//   {"requests": [
//      {"id": "1", "method": "POST", "url": "/deviceManagement/ndesConnectors",
//       "headers": {"Content-Type": "application/json"},
//       "body": {"displayName": "NDES-01"}},
//      {"id": "2", "method": "GET", "url": "/deviceManagement/ndesConnectors",
//       "dependsOn": ["1"]}]}
//
// answers 200 with {"responses": [{"id", "status", "headers", "body"}, ...]},
// one per request, in the order of the requests. Requests run one at a
// time, each after those it depends on; one whose dependency failed (status
// 400 or above, or itself 424) is not run and answers 424
// FailedDependency. Up to kMaxBatchRequests requests; a body is a JSON
// object (or a string, sent as it is); a url is relative to the version,
// which it may repeat ("/beta/deviceManagement/...").
//
// The whole batch is refused 400 (nothing run) when it is not such a
// document: not an object, no "requests" array, no request or more than
// kMaxBatchRequests, an id missing or repeated, a method or url missing or
// not a string, an absolute url, headers that are not an object of strings,
// a dependsOn naming an unknown id or making a cycle.
#ifndef NDES_SERVER_REST_JSON_BATCH_H_
#define NDES_SERVER_REST_JSON_BATCH_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rest/rest_message.h"

namespace ndes::rest {

inline constexpr int kMaxBatchRequests = 20;

struct BatchStep {
  std::string id;
  RestRequest request;
  // Indices of the steps this one depends on.
  std::vector<int> depends_on;
};

// The steps of a batch body, in the order given. INVALID_ARGUMENT saying
// what is wrong with the document (see above).
absl::StatusOr<std::vector<BatchStep>> ParseJsonBatch(absl::string_view body);

// Answers one step; the response is complete (its headers carry
// Content-Type, errors their innerError).
using BatchStepRunner = std::function<void(RestRequest request, RestDone done)>;

// Runs `steps` (ParseJsonBatch's, so dependencies are acyclic) with `run`,
// and answers the batch's 200 response through `done`.
void RunJsonBatch(std::vector<BatchStep> steps, BatchStepRunner run,
                  RestDone done);

}  // namespace ndes::rest

#endif  // NDES_SERVER_REST_JSON_BATCH_H_
