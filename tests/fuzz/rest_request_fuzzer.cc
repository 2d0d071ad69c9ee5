// Fuzzes what the REST face reads from a request before any store sees it
// (server/rest/): the request target (path and query options), a JSON body,
// and a JSON batch.
//
// Input: any bytes, read as a request target ("/beta/...?$top=1"), as a
// body, and as a batch document.
//
// Invariants: nothing crashes or recurses without bound; every refusal is
// INVALID_ARGUMENT, NOT_FOUND (an unknown version) or UNIMPLEMENTED (OData
// the face does not evaluate), with a message free of control characters;
// an accepted batch has 1 to kMaxBatchRequests steps with distinct ids,
// paths starting with "/", and dependencies that name other steps and make
// no cycle; an accepted collection query has a page size the stores take.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_checks.h"
#include "http_server/request_target.h"
#include "rest/json_batch.h"
#include "rest/odata_options.h"
#include "rest/rest_json.h"
#include "rest/rest_route.h"

namespace ndes::fuzz {
namespace {

void CheckRefusal(const absl::Status& status) {
  Check(status.code() == absl::StatusCode::kInvalidArgument ||
            status.code() == absl::StatusCode::kNotFound ||
            status.code() == absl::StatusCode::kUnimplemented,
        "a refusal is INVALID_ARGUMENT, NOT_FOUND or UNIMPLEMENTED");
  for (unsigned char c : status.message()) {
    Check(c >= 0x20 && c != 0x7f, "a refusal holds no control character");
  }
}

void FuzzTarget(absl::string_view target) {
  const std::string path(http_server::TargetPath(target));
  const auto query = http_server::TargetQuery(target);
  for (rest::VersionSegment version :
       {rest::VersionSegment::kRequired, rest::VersionSegment::kOptional}) {
    absl::StatusOr<rest::RestRoute> route = rest::ParseRestPath(path, version);
    if (!route.ok()) CheckRefusal(route.status());
  }
  absl::StatusOr<rest::CollectionOptions> collection =
      rest::ParseCollectionOptions(query);
  if (collection.ok()) {
    Check(collection->list.page_size >= 1 &&
              collection->list.page_size <= store::kMaxPageSize,
          "a page size the stores take");
    Check(collection->skip >= 0, "a skip that is not negative");
  } else {
    CheckRefusal(collection.status());
  }
  absl::StatusOr<rest::ItemOptions> item = rest::ParseItemOptions(query);
  if (!item.ok()) CheckRefusal(item.status());
}

void FuzzBatch(absl::string_view body) {
  absl::StatusOr<web::json::value> object = rest::ParseJsonObject(body);
  if (object.ok()) {
    Check(object->is_object(), "a parsed body is an object");
  } else {
    CheckRefusal(object.status());
  }
  absl::StatusOr<std::vector<rest::BatchStep>> steps =
      rest::ParseJsonBatch(body);
  if (!steps.ok()) {
    CheckRefusal(steps.status());
    return;
  }
  Check(!steps->empty() &&
            steps->size() <= static_cast<std::size_t>(rest::kMaxBatchRequests),
        "a batch holds 1 to 20 requests");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const rest::BatchStep& step = (*steps)[i];
    Check(ids.insert(step.id).second, "batch ids are distinct");
    Check(!step.request.path.empty() && step.request.path[0] == '/',
          "a batch url is a path");
    for (int dependency : step.depends_on) {
      Check(dependency >= 0 &&
                static_cast<std::size_t>(dependency) < steps->size() &&
                static_cast<std::size_t>(dependency) != i,
            "a dependency names another step");
    }
  }
  // No cycle: repeatedly retire the steps whose dependencies are retired.
  std::vector<bool> retired(steps->size(), false);
  for (std::size_t round = 0; round < steps->size(); ++round) {
    for (std::size_t i = 0; i < steps->size(); ++i) {
      bool ready = true;
      for (int dependency : (*steps)[i].depends_on) {
        ready = ready && retired[static_cast<std::size_t>(dependency)];
      }
      if (ready) retired[i] = true;
    }
  }
  for (bool done : retired) Check(done, "dependencies make no cycle");
}

}  // namespace
}  // namespace ndes::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  ndes::fuzz::FuzzTarget(input);
  ndes::fuzz::FuzzBatch(input);
  return 0;
}
