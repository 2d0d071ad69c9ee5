#include "graph/graph_probe.h"

#include <future>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cpprest/json.h"
#include "graph/graph_errors.h"
#include "graph/graph_urls.h"
#include "ndes/v1/connector_fields.h"
#include "translation/graph_json.h"
#include "translation/resource_id.h"

namespace ndes::graph {
namespace {

using Outcome = GraphProbeFinding::Outcome;
using web::json::value;

constexpr char kStaleEtag[] = "W/\"ndes-graph-probe-stale\"";

// Requests of one probe: its Authorization, one client-request-id (so that
// Graph's logs show the probe as one session), and the timeout.
class ProbeSession {
 public:
  ProbeSession(http::HttpClient& http, std::string authorization,
               absl::Duration timeout)
      : http_(http),
        authorization_(std::move(authorization)),
        client_request_id_(translation::GenerateConnectorId()),
        timeout_(timeout) {}

  absl::StatusOr<http::HttpResponse> Send(
      const std::string& method, const std::string& url,
      const std::string& body = "",
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::HttpRequest request;
    request.method = method;
    request.url = url;
    request.body = body;
    request.deadline = absl::Now() + timeout_;
    request.headers = std::move(headers);
    request.headers.emplace_back("Authorization", authorization_);
    request.headers.emplace_back("client-request-id", client_request_id_);
    request.headers.emplace_back("Accept", "application/json");
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
    std::promise<absl::StatusOr<http::HttpResponse>> answer;
    http_.Send(std::move(request),
               [&answer](absl::StatusOr<http::HttpResponse> response) {
                 answer.set_value(std::move(response));
               });
    return answer.get_future().get();
  }

 private:
  http::HttpClient& http_;
  const std::string authorization_;
  const std::string client_request_id_;
  const absl::Duration timeout_;
};

bool IsSuccess(const absl::StatusOr<http::HttpResponse>& answer) {
  return answer.ok() && answer->status_code >= 200 && answer->status_code < 300;
}

// What went wrong with a request, for a FAILED finding.
std::string Problem(const absl::StatusOr<http::HttpResponse>& answer) {
  if (!answer.ok()) return std::string(answer.status().message());
  return std::string(StatusFromGraphError(*answer).message());
}

value ParseObject(const std::string& body) {
  std::error_code error;
  value json = value::parse(body, error);
  return !error && json.is_object() ? json : value::object();
}

std::string StringField(const value& object, const std::string& name) {
  if (!object.is_object() || !object.has_field(name)) return "";
  const value& field = object.at(name);
  return field.is_string() ? field.as_string() : "";
}

class Probe {
 public:
  Probe(const GraphProbeOptions& options, ProbeSession& session,
        GraphProbeReport& report)
      : options_(options),
        session_(session),
        report_(report),
        collection_(CollectionUrl(options.base_url)) {}

  void ReadChecks() {
    const absl::StatusOr<http::HttpResponse> first = session_.Send(
        "GET", absl::StrCat(collection_, "?$top=", options_.page_size));
    if (!IsSuccess(first)) {
      Add(Outcome::kFailed, "list", Problem(first));
      return;
    }
    const value page = ParseObject(first->body);
    if (!page.has_field("value") || !page.at("value").is_array()) {
      Add(Outcome::kFailed, "list",
          absl::StrCat(first->status_code, " without a \"value\" array"));
      return;
    }
    const std::size_t count = page.at("value").size();
    Add(Outcome::kOk, "list",
        absl::StrCat(first->status_code, ", ", count,
                     " connectors on the first page"));
    if (count > static_cast<std::size_t>(options_.page_size)) {
      Add(Outcome::kNote, "page size",
          absl::StrCat("$top=", options_.page_size, " answered ", count,
                       " connectors: Graph ignores $top; the gateway answers "
                       "at most page_size per page and keeps the rest in the "
                       "page token"));
    } else if (count == 0) {
      Add(Outcome::kNote, "page size",
          "the collection is empty: cannot tell whether $top is honoured");
    } else {
      Add(Outcome::kOk, "page size",
          absl::StrCat("$top=", options_.page_size, " honoured"));
    }
    Inspect(page);
    FollowNextLinks(page);
  }

  void WriteChecks() {
    const std::string asked = absl::StrCat(
        "ndes-graph-probe-", translation::GenerateConnectorId().substr(0, 8));
    value connector = value::object();
    connector["@odata.type"] =
        value::string(std::string(translation::kGraphODataType));
    connector["id"] = value::string(asked);
    connector["displayName"] =
        value::string("ndes-gateway graph-probe (safe to delete)");
    connector["state"] = value::string("inactive");
    const absl::StatusOr<http::HttpResponse> created =
        session_.Send("POST", collection_, connector.serialize());
    if (!IsSuccess(created)) {
      Add(Outcome::kFailed, "create", Problem(created));
      return;
    }
    const value body = ParseObject(created->body);
    std::string id = StringField(body, "id");
    if (id.empty()) {
      Add(Outcome::kFailed, "create",
          absl::StrCat(created->status_code,
                       " without the connector's id: cannot go on (if it was "
                       "created, its displayName is \"ndes-gateway "
                       "graph-probe (safe to delete)\")"));
      return;
    }
    if (id == asked) {
      Add(Outcome::kOk, "create",
          absl::StrCat(created->status_code, "; Graph kept the id asked for"));
    } else {
      Add(Outcome::kNote, "create",
          absl::StrCat(created->status_code,
                       "; Graph assigned its own id (asked ", asked, ", got ",
                       id,
                       "): creates answer Graph's id, and allow_missing "
                       "cannot create"));
    }
    Inspect(body);
    UpdateChecks(id);
    const absl::StatusOr<http::HttpResponse> deleted =
        session_.Send("DELETE", ConnectorUrl(id));
    if (IsSuccess(deleted)) {
      Add(Outcome::kOk, "delete", absl::StrCat(deleted->status_code));
    } else {
      Add(Outcome::kFailed, "delete",
          absl::StrCat(Problem(deleted), "; remove connector ", id,
                       " by hand"));
    }
  }

  // After the other checks: what the connectors seen showed.
  void ReportEtags() {
    if (connectors_seen_ == 0) {
      Add(Outcome::kNote, "etag",
          "no connector to look at (with --write the probe makes one)");
    } else if (with_etag_ == connectors_seen_) {
      Add(Outcome::kOk, "etag", "connectors carry @odata.etag");
    } else {
      Add(Outcome::kNote, "etag",
          absl::StrCat(connectors_seen_ - with_etag_, " of ", connectors_seen_,
                       " connectors have no @odata.etag: the gateway derives "
                       "etags from their content, and a conditional write "
                       "is atomic only against this gateway's own writes"));
    }
    if (!unknown_properties_.empty() || !unknown_states_.empty()) {
      Add(Outcome::kNote, "unknown",
          absl::StrCat(
              "properties the gateway does not know (ignored): ",
              unknown_properties_.empty()
                  ? std::string("none")
                  : absl::StrJoin(unknown_properties_, ", "),
              "; states it does not know (read as UNKNOWN_FUTURE_VALUE): ",
              unknown_states_.empty() ? std::string("none")
                                      : absl::StrJoin(unknown_states_, ", ")));
    }
  }

 private:
  void Add(Outcome outcome, std::string check, std::string detail) {
    report_.findings.push_back({outcome, std::move(check), std::move(detail)});
  }

  std::string ConnectorUrl(const std::string& id) const {
    absl::StatusOr<std::string> segment = IdSegment(id);
    return absl::StrCat(collection_, "/", segment.ok() ? *segment : "");
  }

  // Notes etags, properties and states of the connectors in `json` (a page
  // or one connector).
  void Inspect(const value& json) {
    std::vector<value> connectors;
    if (json.has_field("value") && json.at("value").is_array()) {
      for (const value& item : json.at("value").as_array()) {
        connectors.push_back(item);
      }
    } else {
      connectors.push_back(json);
    }
    for (const value& connector : connectors) {
      if (!connector.is_object()) continue;
      ++connectors_seen_;
      if (connector.has_field("@odata.etag")) ++with_etag_;
      for (const auto& [name, unused] : connector.as_object()) {
        if (absl::StartsWith(name, "@odata.") || name == "id" ||
            ndes::v1::FieldByGraphName(name).has_value()) {
          continue;
        }
        unknown_properties_.insert(name);
      }
      const std::string state = StringField(connector, "state");
      if (!state.empty() && !translation::ParseGraphState(state).ok()) {
        unknown_states_.insert(state);
      }
    }
  }

  void FollowNextLinks(const value& first) {
    std::set<std::string> seen;
    value page = first;
    int followed = 0;
    bool skiptokens = true;
    while (followed < options_.max_pages) {
      const std::string link = StringField(page, "@odata.nextLink");
      if (link.empty()) break;
      if (!seen.insert(link).second) {
        Add(Outcome::kNote, "paging",
            absl::StrCat("Graph handed back a nextLink it had already given "
                         "after ",
                         followed,
                         " pages: the gateway stops such a listing with "
                         "INTERNAL rather than going round in a loop"));
        return;
      }
      if (!absl::StrContains(link, "$skiptoken=") &&
          !absl::StrContains(link, "%24skiptoken=")) {
        skiptokens = false;
      }
      // As the gateway does: only the link's query, on the collection URL,
      // so the token never goes to another host.
      const std::size_t question = link.find('?');
      if (question == std::string::npos) {
        Add(Outcome::kNote, "paging",
            "a nextLink without a query: the gateway ends the listing there "
            "with INTERNAL");
        return;
      }
      if (!absl::StartsWith(link, absl::StrCat(collection_, "?"))) {
        Add(Outcome::kNote, "paging",
            absl::StrCat("a nextLink points elsewhere (",
                         link.substr(0, question),
                         "): the gateway sends its query to --graph_base_url"));
      }
      const absl::StatusOr<http::HttpResponse> next = session_.Send(
          "GET", absl::StrCat(collection_, link.substr(question)));
      if (!IsSuccess(next)) {
        Add(Outcome::kFailed, "paging",
            absl::StrCat("following a nextLink: ", Problem(next)));
        return;
      }
      page = ParseObject(next->body);
      Inspect(page);
      ++followed;
    }
    if (followed == 0) {
      Add(Outcome::kOk, "paging", "one page, no nextLink");
      return;
    }
    Add(Outcome::kOk, "paging",
        absl::StrCat("followed ", followed, " nextLinks",
                     skiptokens ? " ($skiptoken), " : ", ", "none repeated",
                     followed == options_.max_pages ? " (stopped there)" : ""));
  }

  void UpdateChecks(const std::string& id) {
    const std::string url = ConnectorUrl(id);
    const absl::StatusOr<http::HttpResponse> patched = session_.Send(
        "PATCH", url,
        R"json({"displayName":"ndes-gateway graph-probe (update)"})json",
        {{"Prefer", "return=representation"}});
    if (!IsSuccess(patched)) {
      Add(Outcome::kFailed, "update", Problem(patched));
      return;
    }
    if (patched->status_code == 204 || patched->body.empty()) {
      Add(Outcome::kNote, "update",
          absl::StrCat(patched->status_code,
                       " without a body, whatever Prefer says: the gateway "
                       "reads the connector back with a GET (one request "
                       "more per update)"));
    } else {
      Add(Outcome::kOk, "update",
          absl::StrCat(patched->status_code, " with the connector"));
    }
    const absl::StatusOr<http::HttpResponse> read = session_.Send("GET", url);
    std::string etag = IsSuccess(read)
                           ? StringField(ParseObject(read->body), "@odata.etag")
                           : "";
    const absl::StatusOr<http::HttpResponse> matching = session_.Send(
        "PATCH", url,
        R"json({"displayName":"ndes-gateway graph-probe (matching)"})json",
        {{"If-Match", etag.empty() ? "*" : etag}});
    if (IsSuccess(matching)) {
      Add(Outcome::kOk, "if-match",
          absl::StrCat("a matching If-Match (", etag.empty() ? "*" : etag,
                       ") is accepted (", matching->status_code, ")"));
    } else {
      Add(Outcome::kFailed, "if-match",
          absl::StrCat("a matching If-Match (", etag.empty() ? "*" : etag,
                       ") is refused: ", Problem(matching)));
    }
    const absl::StatusOr<http::HttpResponse> stale = session_.Send(
        "PATCH", url,
        R"json({"displayName":"ndes-gateway graph-probe (stale)"})json",
        {{"If-Match", kStaleEtag}});
    if (stale.ok() && stale->status_code == 412) {
      Add(Outcome::kOk, "if-match",
          "a stale If-Match is refused with 412: Graph honours If-Match, so "
          "conditional writes are atomic in Graph");
    } else if (IsSuccess(stale)) {
      Add(Outcome::kNote, "if-match",
          absl::StrCat("a stale If-Match was IGNORED (", stale->status_code,
                       ", the PATCH applied): conditional writes are atomic "
                       "only against this gateway's own writes"));
    } else {
      Add(Outcome::kFailed, "if-match",
          absl::StrCat("a stale If-Match: ", Problem(stale)));
    }
  }

  const GraphProbeOptions& options_;
  ProbeSession& session_;
  GraphProbeReport& report_;
  const std::string collection_;
  int connectors_seen_ = 0;
  int with_etag_ = 0;
  std::set<std::string> unknown_properties_;
  std::set<std::string> unknown_states_;
};

}  // namespace

bool GraphProbeReport::failed() const {
  for (const GraphProbeFinding& finding : findings) {
    if (finding.outcome == Outcome::kFailed) return true;
  }
  return false;
}

GraphProbeReport RunGraphProbe(const GraphProbeOptions& options,
                               http::HttpClient& http,
                               GraphAuthorization& authorization) {
  GraphProbeReport report;
  report.base_url = options.base_url;
  store::CallContext context;
  context.authorization = options.caller_authorization;
  context.deadline = absl::Now() + options.timeout;
  std::promise<absl::StatusOr<std::string>> promise;
  authorization.Authorize(context,
                          [&promise](absl::StatusOr<std::string> result) {
                            promise.set_value(std::move(result));
                          });
  absl::StatusOr<std::string> bearer = promise.get_future().get();
  if (!bearer.ok()) {
    report.findings.push_back(
        {Outcome::kFailed, "token", std::string(bearer.status().message())});
    return report;
  }
  report.findings.push_back({Outcome::kOk, "token",
                             authorization.UsesCallerCredentials()
                                 ? "the given token is sent (passthrough)"
                                 : "a token was issued (client credentials)"});
  ProbeSession session(http, *std::move(bearer), options.timeout);
  Probe probe(options, session, report);
  probe.ReadChecks();
  if (options.write) probe.WriteChecks();
  probe.ReportEtags();
  return report;
}

std::string FormatGraphProbeReport(const GraphProbeReport& report) {
  std::string text = absl::StrCat("graph-probe of ", report.base_url, "\n");
  for (const GraphProbeFinding& finding : report.findings) {
    const char* outcome = finding.outcome == Outcome::kOk     ? "ok"
                          : finding.outcome == Outcome::kNote ? "NOTE"
                                                              : "FAILED";
    absl::StrAppend(&text, absl::StrFormat("%-7s %-10s %s\n", outcome,
                                           finding.check, finding.detail));
  }
  return text;
}

}  // namespace ndes::graph
