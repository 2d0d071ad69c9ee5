#include "http_calls.h"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cpprest/http_client.h"
#include "cpprest/json.h"

namespace ndes::bench {
namespace {

namespace http = web::http;
namespace client = web::http::client;

// Relative to the base URL, whose path (/beta) the http_client keeps.
constexpr char kCollectionPath[] = "/deviceManagement/ndesConnectors";

class HttpGetIssuer : public CallIssuer {
 public:
  explicit HttpGetIssuer(const BenchOptions& options)
      : path_(absl::StrCat(kCollectionPath, "/", options.id)),
        metadata_(options.metadata) {
    client::http_client_config config;
    config.set_timeout(absl::ToChronoMilliseconds(options.call_deadline));
    for (int i = 0; i < options.channels; ++i) {
      clients_.push_back(std::make_unique<client::http_client>(
          std::string(absl::StripSuffix(options.target, "/")), config));
    }
  }

  absl::Status CreateHotRow(const BenchOptions& options) {
    web::json::value body = web::json::value::object();
    body["@odata.type"] = web::json::value::string("#microsoft.graph.ndesConnector");
    body["id"] = web::json::value::string(options.id);
    body["displayName"] = web::json::value::string("Bench " + options.id);
    body["state"] = web::json::value::string("active");
    body["machineName"] =
        web::json::value::string(options.id + ".bench.contoso.local");
    http::http_request request(http::methods::POST);
    request.set_request_uri(kCollectionPath);
    request.set_body(body);
    AddHeaders(request);
    try {
      http::http_response response = clients_[0]->request(request).get();
      const int code = response.status_code();
      response.extract_string().get();
      if (code == 201 || code == 409) return absl::OkStatus();
      return absl::FailedPreconditionError(
          absl::StrCat("setup of http_get: POST answered HTTP ", code));
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("setup of http_get: ", e.what()));
    }
  }

  void Start(int channel, std::function<void(absl::Status)> done) override {
    http::http_request request(http::methods::GET);
    request.set_request_uri(path_);
    AddHeaders(request);
    // cpprestsdk throws from get() on a transport failure: catch it here,
    // in the continuation, and make it the call's status.
    clients_[static_cast<size_t>(channel)]->request(request).then(
        [done = std::move(done)](pplx::task<http::http_response> task) {
          http::http_response response;
          try {
            response = task.get();
          } catch (const std::exception& e) {
            done(absl::UnavailableError(e.what()));
            return;
          }
          const int code = response.status_code();
          response.extract_string().then(
              [done, code](pplx::task<std::string> body) {
                try {
                  body.get();
                } catch (const std::exception& e) {
                  done(absl::UnavailableError(e.what()));
                  return;
                }
                done(code == 200 ? absl::OkStatus()
                                 : absl::UnknownError(
                                       absl::StrCat("HTTP ", code)));
              });
        });
  }

 private:
  void AddHeaders(http::http_request& request) const {
    for (const auto& [key, value] : metadata_) {
      request.headers().add(key, value);
    }
  }

  const std::string path_;
  const std::vector<std::pair<std::string, std::string>> metadata_;
  std::vector<std::unique_ptr<client::http_client>> clients_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CallIssuer>> MakeHttpGetIssuer(
    const BenchOptions& options) {
  std::unique_ptr<HttpGetIssuer> issuer;
  try {
    issuer = std::make_unique<HttpGetIssuer>(options);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("--target: ", e.what()));
  }
  if (!options.skip_setup) {
    absl::Status created = issuer->CreateHotRow(options);
    if (!created.ok()) return created;
  }
  return issuer;
}

}  // namespace ndes::bench
