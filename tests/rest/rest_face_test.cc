// The REST face in process, over a memory store, spoken to in plain HTTP/1.1
// bytes: what Graph's documentation says a client gets back, status by
// status and header by header.
#include "rest/rest_face.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "observability/metrics_registry.h"
#include "service/authorizer.h"
#include "store/memory_connector_store.h"
#include "support/raw_http_connection.h"

namespace ndes::rest {
namespace {

using ::ndes::testing::RawHttpConnection;
using ::ndes::testing::RawHttpResponse;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Optional;
using web::json::value;

constexpr char kCollection[] = "/beta/deviceManagement/ndesConnectors";

// "Bearer reader" may read, "Bearer writer" may read and write; anything
// else is unauthenticated.
class TestAuthorizer final : public service::Authorizer {
 public:
  absl::StatusOr<service::Caller> Authorize(
      absl::string_view authorization, service::Access access) const override {
    if (authorization == "Bearer writer") return service::Caller{"writer"};
    if (authorization == "Bearer reader") {
      if (access == service::Access::kWrite) {
        return absl::PermissionDeniedError("the token does not grant write");
      }
      return service::Caller{"reader"};
    }
    return absl::UnauthenticatedError("no valid bearer token");
  }
};

class RestFaceTest : public ::testing::Test {
 protected:
  void StartFace(const service::Authorizer* authorizer = nullptr,
                 std::size_t max_body_bytes = 64 * 1024) {
    RestFaceOptions options;
    options.authorizer = authorizer;
    options.metrics = &registry_;
    options.max_body_bytes = max_body_bytes;
    absl::StatusOr<std::unique_ptr<RestFace>> face =
        RestFace::Start(options, store_);
    ASSERT_TRUE(face.ok()) << face.status();
    face_ = *std::move(face);
  }

  void SetUp() override { StartFace(); }

  RawHttpResponse Send(
      const std::string& method, const std::string& target,
      const std::string& body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      bool host = true) {
    absl::StatusOr<RawHttpConnection> connection =
        RawHttpConnection::Connect(face_->port());
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return {};
    std::string request = absl::StrCat(method, " ", target, " HTTP/1.1\r\n");
    if (host)
      absl::StrAppend(&request, "Host: 127.0.0.1:", face_->port(), "\r\n");
    for (const auto& [name, header] : headers) {
      absl::StrAppend(&request, name, ": ", header, "\r\n");
    }
    if (!body.empty()) {
      absl::StrAppend(&request, "Content-Type: application/json\r\n");
    }
    absl::StrAppend(&request, "Content-Length: ", body.size(),
                    "\r\nConnection: close\r\n\r\n", body);
    EXPECT_TRUE(connection->Send(request));
    absl::StatusOr<RawHttpResponse> response = connection->ReadResponse();
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *std::move(response) : RawHttpResponse{};
  }

  static value Json(const RawHttpResponse& response) {
    std::error_code error;
    value json = value::parse(response.body, error);
    EXPECT_FALSE(error) << response.body;
    return json;
  }

  // The target of an absolute link of this face.
  std::string TargetOf(const std::string& link) const {
    const std::string prefix = absl::StrCat("http://127.0.0.1:", face_->port());
    EXPECT_TRUE(absl::StartsWith(link, prefix)) << link;
    return link.substr(prefix.size());
  }

  std::string CreateNamed(const std::string& name) {
    RawHttpResponse created = Send(
        "POST", kCollection,
        absl::StrCat(R"({"displayName":")", name, R"(","state":"active"})"));
    EXPECT_EQ(created.status, 201) << created.body;
    return Json(created).at("id").as_string();
  }

  // Every error answer: Graph's envelope, its ids equal to the headers'.
  static void ExpectEnvelope(const RawHttpResponse& response, int status,
                             const std::string& code) {
    EXPECT_EQ(response.status, status) << response.body;
    value json = Json(response);
    ASSERT_TRUE(json.has_field("error")) << response.body;
    EXPECT_EQ(json.at("error").at("code").as_string(), code);
    EXPECT_FALSE(json.at("error").at("message").as_string().empty());
    const value& inner = json.at("error").at("innerError");
    EXPECT_THAT(response.Header("request-id"),
                Optional(inner.at("request-id").as_string()));
    EXPECT_THAT(response.Header("client-request-id"),
                Optional(inner.at("client-request-id").as_string()));
    EXPECT_THAT(inner.at("date").as_string(),
                MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}"));
  }

  observability::MetricsRegistry registry_;
  store::MemoryConnectorStore store_;
  std::unique_ptr<RestFace> face_;
};

TEST_F(RestFaceTest, CreateReadPatchDeleteAnswerAsGraphDocuments) {
  RawHttpResponse created = Send(
      "POST", kCollection,
      R"({"id":"ndes-01","displayName":"NDES-01","state":"active",)"
      R"("roleScopeTagIds":["0"],"lastConnectionDateTime":"2026-01-02T03:04:05Z"})",
      {{"client-request-id", "my-call-1"}});
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_THAT(created.Header("Content-Type"),
              Optional(HasSubstr("application/json")));
  EXPECT_THAT(created.Header("client-request-id"),
              Optional(std::string("my-call-1")));
  EXPECT_THAT(created.Header("request-id"),
              Optional(MatchesRegex("[0-9a-f-]{36}")));
  EXPECT_THAT(created.Header("Location"),
              Optional(absl::StrCat("http://127.0.0.1:", face_->port(),
                                    kCollection, "/ndes-01")));
  value entity = Json(created);
  EXPECT_EQ(entity.at("@odata.type").as_string(),
            "#microsoft.graph.ndesConnector");
  EXPECT_THAT(entity.at("@odata.context").as_string(),
              HasSubstr("$metadata#deviceManagement/ndesConnectors/$entity"));
  const std::string etag = entity.at("@odata.etag").as_string();
  EXPECT_THAT(created.Header("ETag"), Optional(etag));
  EXPECT_EQ(entity.at("lastConnectionDateTime").as_string(),
            "2026-01-02T03:04:05Z");

  RawHttpResponse read =
      Send("GET", absl::StrCat(kCollection, "/ndes-01?$select=displayName"));
  ASSERT_EQ(read.status, 200) << read.body;
  value selected = Json(read);
  EXPECT_EQ(selected.at("displayName").as_string(), "NDES-01");
  EXPECT_FALSE(selected.has_field("state"));
  EXPECT_EQ(selected.at("id").as_string(), "ndes-01");
  EXPECT_EQ(selected.at("@odata.etag").as_string(), etag);
  EXPECT_THAT(selected.at("@odata.context").as_string(),
              HasSubstr("ndesConnectors(displayName)/$entity"));

  RawHttpResponse patched =
      Send("PATCH", absl::StrCat(kCollection, "/ndes-01"),
           R"({"displayName":"NDES-02","roleScopeTagIds":null})",
           {{"If-Match", etag}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  value after = Json(patched);
  EXPECT_EQ(after.at("displayName").as_string(), "NDES-02");
  EXPECT_EQ(after.at("state").as_string(), "active");  // not patched: kept
  EXPECT_EQ(after.at("roleScopeTagIds").size(), 0u);
  EXPECT_NE(after.at("@odata.etag").as_string(), etag);

  RawHttpResponse minimal =
      Send("PATCH", absl::StrCat(kCollection, "/ndes-01"),
           R"({"machineName":"host-1"})", {{"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 204);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_THAT(minimal.Header("Preference-Applied"),
              Optional(std::string("return=minimal")));

  RawHttpResponse deleted = Send(
      "DELETE", absl::StrCat(kCollection, "/ndes-01"), "", {{"If-Match", "*"}});
  EXPECT_EQ(deleted.status, 204);
  ExpectEnvelope(Send("GET", absl::StrCat(kCollection, "/ndes-01")), 404,
                 "ResourceNotFound");
}

TEST_F(RestFaceTest, AStaleIfMatchIs412AndWritesNothing) {
  const std::string id = CreateNamed("a");
  const std::string stale =
      Json(Send("GET", absl::StrCat(kCollection, "/", id)))
          .at("@odata.etag")
          .as_string();
  ASSERT_EQ(Send("PATCH", absl::StrCat(kCollection, "/", id),
                 R"({"displayName":"b"})")
                .status,
            200);
  ExpectEnvelope(Send("PATCH", absl::StrCat(kCollection, "/", id),
                      R"({"displayName":"c"})", {{"If-Match", stale}}),
                 412, "PreconditionFailed");
  ExpectEnvelope(Send("DELETE", absl::StrCat(kCollection, "/", id), "",
                      {{"If-Match", stale}}),
                 412, "PreconditionFailed");
  EXPECT_EQ(Json(Send("GET", absl::StrCat(kCollection, "/", id)))
                .at("displayName")
                .as_string(),
            "b");
}

TEST_F(RestFaceTest, NextLinksPageThroughEveryMatchOnceWithTheRequestsOptions) {
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(CreateNamed(absl::StrCat("n", i)));
  std::set<std::string> seen;
  std::string target =
      absl::StrCat(kCollection, "?$top=3&$count=true&$select=displayName");
  int pages = 0;
  while (!target.empty()) {
    RawHttpResponse page = Send("GET", target);
    ASSERT_EQ(page.status, 200) << page.body;
    value json = Json(page);
    EXPECT_EQ(json.at("@odata.count").as_integer(), 7);
    EXPECT_LE(json.at("value").size(), 3u);
    for (const value& connector : json.at("value").as_array()) {
      EXPECT_TRUE(seen.insert(connector.at("id").as_string()).second);
      EXPECT_FALSE(connector.has_field("state"));  // $select carried along
    }
    target = json.has_field("@odata.nextLink")
                 ? TargetOf(json.at("@odata.nextLink").as_string())
                 : "";
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, created);
}

TEST_F(RestFaceTest, SkipFilterOrderAndCountFollowTheQueryRules) {
  for (const char* name : {"beta", "alpha", "ndes-b", "ndes-a", "ndes-c"}) {
    CreateNamed(name);
  }
  value ordered =
      Json(Send("GET", absl::StrCat(kCollection,
                                    "?$filter=startswith(displayName,'ndes')"
                                    "&$orderby=displayName%20desc")));
  std::vector<std::string> names;
  for (const value& connector : ordered.at("value").as_array()) {
    names.push_back(connector.at("displayName").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ndes-c", "ndes-b", "ndes-a"}));

  value skipped =
      Json(Send("GET", absl::StrCat(kCollection,
                                    "?$orderby=displayName&$skip=3&$top=1")));
  ASSERT_EQ(skipped.at("value").size(), 1u);
  // alpha, beta, ndes-a | ndes-b | ndes-c
  EXPECT_EQ(skipped.at("value").at(0).at("displayName").as_string(), "ndes-b");
  ASSERT_TRUE(skipped.has_field("@odata.nextLink"));
  const std::string next = skipped.at("@odata.nextLink").as_string();
  EXPECT_THAT(next, Not(HasSubstr("skip=")));
  value rest = Json(Send("GET", TargetOf(next)));
  ASSERT_EQ(rest.at("value").size(), 1u);
  EXPECT_EQ(rest.at("value").at(0).at("displayName").as_string(), "ndes-c");

  EXPECT_EQ(Json(Send("GET", absl::StrCat(kCollection, "?$skip=50")))
                .at("value")
                .size(),
            0u);
  RawHttpResponse count =
      Send("GET",
           absl::StrCat(kCollection, "/$count?$filter=state%20eq%20'active'"));
  EXPECT_EQ(count.status, 200);
  EXPECT_EQ(count.body, "5");
}

TEST_F(RestFaceTest, EveryErrorPathAnswersGraphsEnvelopeWithItsStatus) {
  const std::string id = CreateNamed("x");
  const std::string item = absl::StrCat(kCollection, "/", id);
  ExpectEnvelope(Send("POST", kCollection, "{not json"), 400, "BadRequest");
  ExpectEnvelope(Send("POST", kCollection, std::string(500, '[')), 400,
                 "BadRequest");
  ExpectEnvelope(Send("POST", kCollection, R"({"nope":1})"), 400, "BadRequest");
  ExpectEnvelope(Send("POST", kCollection, R"({"displayName":5})"), 400,
                 "BadRequest");
  ExpectEnvelope(Send("POST", kCollection, R"({"state":"unknownFutureValue"})"),
                 400, "BadRequest");
  ExpectEnvelope(
      Send("POST", kCollection,
           absl::StrCat(R"({"id":")", id, R"(","displayName":"a"})")),
      409, "Conflict");
  ExpectEnvelope(Send("PATCH", item, R"({"id":"other"})"), 400, "BadRequest");
  ExpectEnvelope(Send("PATCH", item,
                      R"({"displayName":")" + std::string(300, 'a') + R"("})"),
                 400, "BadRequest");
  ExpectEnvelope(Send("PATCH", absl::StrCat(kCollection, "/missing"),
                      R"({"displayName":"a"})"),
                 404, "ResourceNotFound");
  ExpectEnvelope(
      Send("GET", absl::StrCat(kCollection, "?$filter=displayName%20lt%20'a'")),
      501, "NotImplemented");
  ExpectEnvelope(
      Send("GET", absl::StrCat(kCollection, "?$filter=nope%20eq%20'a'")), 400,
      "BadRequest");
  ExpectEnvelope(Send("GET", absl::StrCat(kCollection, "?$expand=x")), 501,
                 "NotImplemented");
  ExpectEnvelope(Send("GET", absl::StrCat(kCollection, "?$skiptoken=forged")),
                 400, "BadRequest");
  ExpectEnvelope(Send("GET", "/beta/deviceManagement/nope"), 400, "BadRequest");
  ExpectEnvelope(Send("GET", "/v9/x"), 404, "ResourceNotFound");
  RawHttpResponse put = Send("PUT", item, "{}");
  ExpectEnvelope(put, 405, "MethodNotAllowed");
  EXPECT_THAT(put.Header("Allow"), Optional(std::string("GET, PATCH, DELETE")));
  ExpectEnvelope(Send("GET", kCollection, "", {}, /*host=*/false), 400,
                 "BadRequest");
  // Nothing above changed the connector.
  EXPECT_EQ(Json(Send("GET", item)).at("displayName").as_string(), "x");
}

TEST_F(RestFaceTest, AnEmptyPatchChangesNothingAndStillChecksIfMatch) {
  const std::string id = CreateNamed("x");
  const std::string item = absl::StrCat(kCollection, "/", id);
  RawHttpResponse same = Send("PATCH", item, "{}");
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(Json(same).at("displayName").as_string(), "x");
  ExpectEnvelope(Send("PATCH", item, "{}", {{"If-Match", "W/\"0\""}}), 412,
                 "PreconditionFailed");
}

TEST_F(RestFaceTest, ABodyOverTheLimitIs413BeforeItIsRead) {
  face_.reset();
  StartFace(nullptr, 1024);
  RawHttpResponse large = Send(
      "POST", kCollection,
      absl::StrCat(R"({"displayName":")", std::string(2000, 'a'), R"("})"));
  EXPECT_EQ(large.status, 413);
}

TEST_F(RestFaceTest, TokensGrantReadOrWriteAsOnTheGrpcFace) {
  TestAuthorizer authorizer;
  face_.reset();
  StartFace(&authorizer);
  RawHttpResponse anonymous = Send("GET", kCollection);
  ExpectEnvelope(anonymous, 401, "InvalidAuthenticationToken");
  EXPECT_THAT(anonymous.Header("WWW-Authenticate"),
              Optional(std::string("Bearer")));
  EXPECT_EQ(
      Send("GET", kCollection, "", {{"Authorization", "Bearer reader"}}).status,
      200);
  ExpectEnvelope(Send("POST", kCollection, R"({"displayName":"a"})",
                      {{"Authorization", "Bearer reader"}}),
                 403, "Forbidden");
  EXPECT_EQ(Send("POST", kCollection, R"({"displayName":"a"})",
                 {{"Authorization", "Bearer writer"}})
                .status,
            201);
  // In a batch, the batch's token stands for each request, with the access
  // of the request's own method.
  RawHttpResponse batch = Send(
      "POST", "/beta/$batch",
      R"({"requests":[{"id":"1","method":"GET","url":"/deviceManagement/ndesConnectors"},)"
      R"({"id":"2","method":"POST","url":"/deviceManagement/ndesConnectors",)"
      R"("headers":{"Content-Type":"application/json","Authorization":"Bearer writer"},)"
      R"("body":{"displayName":"b"}}]})",
      {{"Authorization", "Bearer reader"}});
  ASSERT_EQ(batch.status, 200) << batch.body;
  value responses = Json(batch).at("responses");
  EXPECT_EQ(responses.at(0).at("status").as_integer(), 200);
  EXPECT_EQ(responses.at(1).at("status").as_integer(), 403);
  ExpectEnvelope(Send("POST", "/beta/$batch", R"({"requests":[]})"), 401,
                 "InvalidAuthenticationToken");
}

TEST_F(RestFaceTest, ABatchRunsDependentsAfterTheirDependencies) {
  RawHttpResponse batch = Send(
      "POST", "/beta/$batch",
      R"({"requests":[)"
      R"({"id":"get","method":"GET","url":"/beta/deviceManagement/ndesConnectors/b1","dependsOn":["create"]},)"
      R"({"id":"create","method":"POST","url":"/deviceManagement/ndesConnectors",)"
      R"("headers":{"Content-Type":"application/json"},"body":{"id":"b1","displayName":"b"}},)"
      R"({"id":"gone","method":"DELETE","url":"/deviceManagement/ndesConnectors/none"},)"
      R"({"id":"after","method":"GET","url":"/deviceManagement/ndesConnectors/b1","dependsOn":["gone"]}]})");
  ASSERT_EQ(batch.status, 200) << batch.body;
  value responses = Json(batch).at("responses");
  ASSERT_EQ(responses.size(), 4u);
  EXPECT_EQ(responses.at(0).at("id").as_string(), "get");
  EXPECT_EQ(responses.at(0).at("status").as_integer(), 200);
  EXPECT_EQ(responses.at(0).at("body").at("displayName").as_string(), "b");
  EXPECT_THAT(responses.at(0).at("headers").at("Content-Type").as_string(),
              HasSubstr("application/json"));
  EXPECT_EQ(responses.at(1).at("status").as_integer(), 201);
  EXPECT_EQ(responses.at(2).at("status").as_integer(), 404);
  EXPECT_EQ(responses.at(2).at("body").at("error").at("code").as_string(),
            "ResourceNotFound");
  EXPECT_EQ(responses.at(3).at("status").as_integer(), 424);
  ExpectEnvelope(Send("POST", "/beta/$batch", R"({"requests":{}})"), 400,
                 "BadRequest");
  ExpectEnvelope(Send("GET", "/beta/$batch"), 405, "MethodNotAllowed");
}

TEST_F(RestFaceTest, RequestsAreCountedByOperationAndStatus) {
  CreateNamed("x");
  Send("GET", absl::StrCat(kCollection, "/missing"));
  const std::string text = registry_.TextExposition();
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(ndes_rest_requests_total{operation="CreateNdesConnector",status="201"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(ndes_rest_requests_total{operation="GetNdesConnector",status="404"} 1)"));
  EXPECT_THAT(text, HasSubstr("ndes_rest_request_seconds_bucket"));
}

}  // namespace
}  // namespace ndes::rest
