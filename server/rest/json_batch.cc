#include "rest/json_batch.h"

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http_server/request_target.h"
#include "rest/graph_error.h"
#include "rest/rest_json.h"
#include "text/untrusted_text.h"

namespace ndes::rest {
namespace {

using web::json::value;

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid batch payload format: ", why));
}

absl::StatusOr<std::string> StringMember(const value& request,
                                         const std::string& name, int index) {
  if (!request.has_field(name) || !request.at(name).is_string()) {
    return Malformed(
        absl::StrCat("requests[", index, "].", name, " must be a string"));
  }
  return request.at(name).as_string();
}

absl::StatusOr<BatchStep> ReadStep(const value& json, int index) {
  if (!json.is_object()) {
    return Malformed(absl::StrCat("requests[", index, "] is not an object"));
  }
  BatchStep step;
  absl::StatusOr<std::string> id = StringMember(json, "id", index);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> method = StringMember(json, "method", index);
  if (!method.ok()) return method.status();
  absl::StatusOr<std::string> url = StringMember(json, "url", index);
  if (!url.ok()) return url.status();
  if (id->empty()) {
    return Malformed(absl::StrCat("requests[", index, "].id is empty"));
  }
  if (!absl::StartsWith(*url, "/")) {
    // Relative to the version, as Graph requires: never another host.
    return Malformed(absl::StrCat("requests[", index, "].url ",
                                  text::QuoteUntrusted(*url),
                                  " is not a path starting with \"/\""));
  }
  step.id = *std::move(id);
  step.request.method = absl::AsciiStrToUpper(*method);
  step.request.path = std::string(http_server::TargetPath(*url));
  step.request.query = http_server::TargetQuery(*url);
  if (json.has_field("headers")) {
    const value& headers = json.at("headers");
    if (!headers.is_object()) {
      return Malformed(
          absl::StrCat("requests[", index, "].headers is not an object"));
    }
    for (const auto& [name, header] : headers.as_object()) {
      if (!header.is_string()) {
        return Malformed(absl::StrCat("requests[", index, "].headers.",
                                      text::EscapeUntrusted(name),
                                      " is not a string"));
      }
      step.request.headers.emplace_back(name, header.as_string());
    }
  }
  if (json.has_field("body")) {
    const value& body = json.at("body");
    step.request.body = body.is_string() ? body.as_string() : body.serialize();
  }
  return step;
}

// Fills BatchStep::depends_on from the documents' dependsOn, and refuses
// unknown ids and cycles.
absl::Status ResolveDependencies(const value& requests,
                                 std::vector<BatchStep>& steps) {
  absl::flat_hash_map<std::string, int> index_of;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    if (!index_of.emplace(steps[i].id, i).second) {
      return Malformed(absl::StrCat("the id ",
                                    text::QuoteUntrusted(steps[i].id),
                                    " is used by more than one request"));
    }
  }
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    const value& json = requests.at(i);
    if (!json.has_field("dependsOn")) continue;
    const value& depends_on = json.at("dependsOn");
    if (!depends_on.is_array()) {
      return Malformed(
          absl::StrCat("requests[", i, "].dependsOn is not an array"));
    }
    for (const value& id : depends_on.as_array()) {
      auto found =
          id.is_string() ? index_of.find(id.as_string()) : index_of.end();
      if (found == index_of.end() || found->second == i) {
        return Malformed(
            absl::StrCat("requests[", i, "].dependsOn names ",
                         id.is_string() ? text::QuoteUntrusted(id.as_string())
                                        : std::string("a non-string"),
                         ", which is not another request of the batch"));
      }
      steps[i].depends_on.push_back(found->second);
    }
  }
  // Cycles: a depth-first search that meets a step it is still inside.
  enum class Mark { kNew, kOpen, kDone };
  std::vector<Mark> marks(steps.size(), Mark::kNew);
  std::function<bool(int)> acyclic = [&](int i) {
    if (marks[i] == Mark::kDone) return true;
    if (marks[i] == Mark::kOpen) return false;
    marks[i] = Mark::kOpen;
    for (int dependency : steps[i].depends_on) {
      if (!acyclic(dependency)) return false;
    }
    marks[i] = Mark::kDone;
    return true;
  };
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    if (!acyclic(i)) return Malformed("dependsOn makes a cycle");
  }
  return absl::OkStatus();
}

// The batch in progress: each step runs once its dependencies have
// answered, in the order of the document otherwise.
class BatchRun : public std::enable_shared_from_this<BatchRun> {
 public:
  BatchRun(std::vector<BatchStep> steps, BatchStepRunner run, RestDone done)
      : steps_(std::move(steps)),
        run_(std::move(run)),
        done_(std::move(done)),
        responses_(steps_.size()) {}

  // Runs the next step that can run; answers the batch when none is left.
  void Next() {
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      if (responses_[i].has_value() || !Ready(i)) continue;
      if (DependencyFailed(i)) {
        responses_[i] = FailedDependency(i);
        continue;
      }
      run_(std::move(steps_[i].request),
           [self = shared_from_this(), i](RestResponse response) {
             self->responses_[i] = std::move(response);
             self->Next();
           });
      return;
    }
    Finish();
  }

 private:
  bool Ready(std::size_t i) const {
    for (int dependency : steps_[i].depends_on) {
      if (!responses_[dependency].has_value()) return false;
    }
    return true;
  }

  bool DependencyFailed(std::size_t i) const {
    for (int dependency : steps_[i].depends_on) {
      if (responses_[dependency]->status >= 400) return true;
    }
    return false;
  }

  RestResponse FailedDependency(std::size_t i) const {
    RestResponse response;
    response.status = 424;
    response.headers.emplace_back("Content-Type", "application/json");
    response.json = GraphErrorBody(
        kFailedDependencyCode,
        absl::StrCat("The request ", text::QuoteUntrusted(steps_[i].id),
                     " was not run: a request it depends on failed."));
    return response;
  }

  void Finish() {
    value responses = value::array(steps_.size());
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      RestResponse& response = *responses_[i];
      value entry = value::object(/*keep_order=*/true);
      entry["id"] = value::string(steps_[i].id);
      entry["status"] = value::number(response.status);
      value headers = value::object(/*keep_order=*/true);
      for (const auto& [name, header] : response.headers) {
        headers[name] = value::string(header);
      }
      entry["headers"] = std::move(headers);
      if (response.json.has_value()) {
        entry["body"] = std::move(*response.json);
      } else if (response.text.has_value()) {
        entry["body"] = value::string(*response.text);
      }
      responses[i] = std::move(entry);
    }
    RestResponse batch;
    batch.json = value::object();
    (*batch.json)["responses"] = std::move(responses);
    std::move(done_)(std::move(batch));
  }

  std::vector<BatchStep> steps_;
  BatchStepRunner run_;
  RestDone done_;
  std::vector<std::optional<RestResponse>> responses_;
};

}  // namespace

absl::StatusOr<std::vector<BatchStep>> ParseJsonBatch(absl::string_view body) {
  absl::StatusOr<value> document = ParseJsonObject(body);
  if (!document.ok()) return document.status();
  if (!document->has_field("requests") ||
      !document->at("requests").is_array()) {
    return Malformed("\"requests\" must be an array");
  }
  const value& requests = document->at("requests");
  const std::size_t count = requests.as_array().size();
  if (count == 0) return Malformed("\"requests\" is empty");
  if (count > kMaxBatchRequests) {
    return absl::InvalidArgumentError(
        absl::StrCat("Number of requests inside batch exceeds the limit of ",
                     kMaxBatchRequests, "."));
  }
  std::vector<BatchStep> steps;
  steps.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    absl::StatusOr<BatchStep> step =
        ReadStep(requests.at(i), static_cast<int>(i));
    if (!step.ok()) return step.status();
    steps.push_back(*std::move(step));
  }
  if (absl::Status resolved = ResolveDependencies(requests, steps);
      !resolved.ok()) {
    return resolved;
  }
  return steps;
}

void RunJsonBatch(std::vector<BatchStep> steps, BatchStepRunner run,
                  RestDone done) {
  std::make_shared<BatchRun>(std::move(steps), std::move(run), std::move(done))
      ->Next();
}

}  // namespace ndes::rest
