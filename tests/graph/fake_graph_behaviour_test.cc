// The fake Graph's Intune habits (FakeGraphBehaviour), each on its own,
// over plain HTTP: the tests of the Graph backend rely on them.
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cpprest/json.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"

namespace ndes::graph::testing {
namespace {

using ::ndes::store::testing::SampleConnector;
using ::testing::HasSubstr;
using ::testing::Not;

class FakeGraphBehaviourTest : public ::testing::Test {
 protected:
  void Start(FakeGraphBehaviour behaviour) {
    FakeGraphServerOptions options;
    options.behaviour = behaviour;
    fake_ = std::make_unique<FakeGraphServer>(options);
    for (const char* id : {"a", "b", "c", "d", "e", "f", "g"}) {
      fake_->PutConnector(
          translation::ConnectorToGraphJson(SampleConnector(id)));
    }
  }

  http::HttpResponse Send(
      const std::string& method, const std::string& url, std::string body = "",
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::HttpRequest request;
    request.method = method;
    request.url = url;
    request.body = std::move(body);
    request.headers = std::move(headers);
    if (!request.body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
    std::promise<absl::StatusOr<http::HttpResponse>> answer;
    http_.Send(std::move(request),
               [&answer](absl::StatusOr<http::HttpResponse> response) {
                 answer.set_value(std::move(response));
               });
    absl::StatusOr<http::HttpResponse> response = answer.get_future().get();
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::HttpResponse();
  }
  std::string Url(const std::string& id) const {
    return fake_->collection_url() + "/" + id;
  }
  static web::json::value Json(const std::string& text) {
    return web::json::value::parse(text);
  }

  http::CpprestHttpClient http_;
  std::unique_ptr<FakeGraphServer> fake_;
};

TEST_F(FakeGraphBehaviourTest, SpentBudgetIs429WithoutRetryAfter) {
  FakeGraphBehaviour behaviour;
  behaviour.write_budget = 2;
  behaviour.budget_window = absl::Seconds(60);
  Start(behaviour);
  const std::string patch = R"({"displayName":"x"})";
  EXPECT_EQ(Send("PATCH", Url("a"), patch).status_code, 204);
  EXPECT_EQ(Send("DELETE", Url("b")).status_code, 204);
  const http::HttpResponse throttled = Send("PATCH", Url("a"), patch);
  EXPECT_EQ(throttled.status_code, 429);
  EXPECT_EQ(throttled.Header("Retry-After"), std::nullopt);
  EXPECT_THAT(throttled.body, HasSubstr("TooManyRequests"));
  // Reads have a budget of their own (none here).
  EXPECT_EQ(Send("GET", Url("a")).status_code, 200);
  EXPECT_EQ(fake_->budget_refusals(), 1);
}

TEST_F(FakeGraphBehaviourTest, AssignsItsOwnIds) {
  FakeGraphBehaviour behaviour;
  behaviour.assigns_ids = true;
  Start(behaviour);
  const http::HttpResponse created = Send(
      "POST", fake_->collection_url(),
      translation::ConnectorToGraphJson(SampleConnector("mine")).serialize());
  ASSERT_EQ(created.status_code, 201);
  EXPECT_NE(Json(created.body).at("id").as_string(), "mine");
  EXPECT_FALSE(fake_->FindConnector("mine").has_value());
}

TEST_F(FakeGraphBehaviourTest, SendsNoEtagsAndIgnoresIfMatch) {
  FakeGraphBehaviour behaviour;
  behaviour.sends_etags = false;
  behaviour.honours_if_match = false;
  Start(behaviour);
  EXPECT_FALSE(Json(Send("GET", Url("a")).body).has_field("@odata.etag"));
  const http::HttpResponse patched =
      Send("PATCH", Url("a"), R"({"displayName":"x"})",
           {{"If-Match", "W/\"stale\""}, {"Prefer", "return=representation"}});
  EXPECT_EQ(patched.status_code, 200);
  EXPECT_FALSE(Json(patched.body).has_field("@odata.etag"));
}

TEST_F(FakeGraphBehaviourTest, PagesOfItsOwnSizeWithOpaqueSkiptokens) {
  FakeGraphBehaviour behaviour;
  behaviour.page_size = 3;
  behaviour.opaque_skiptokens = true;
  Start(behaviour);
  std::vector<std::string> ids;
  std::string url = fake_->collection_url() + "?$top=1";
  for (int pages = 0; !url.empty() && pages < 10; ++pages) {
    const web::json::value page = Json(Send("GET", url).body);
    EXPECT_LE(page.at("value").size(), 3u);
    for (const auto& item : page.at("value").as_array()) {
      ids.push_back(item.at("id").as_string());
    }
    url = page.has_field("@odata.nextLink")
              ? page.at("@odata.nextLink").as_string()
              : "";
    EXPECT_THAT(url, Not(HasSubstr("skiptoken=" + ids.back())));
  }
  EXPECT_EQ(ids, std::vector<std::string>({"a", "b", "c", "d", "e", "f", "g"}));
}

TEST_F(FakeGraphBehaviourTest, RepeatsANextLinkItGave) {
  FakeGraphBehaviour behaviour;
  behaviour.page_size = 2;
  behaviour.repeats_next_link = true;
  Start(behaviour);
  const std::string second = Json(Send("GET", fake_->collection_url()).body)
                                 .at("@odata.nextLink")
                                 .as_string();
  EXPECT_EQ(Json(Send("GET", second).body).at("@odata.nextLink").as_string(),
            second);
}

TEST_F(FakeGraphBehaviourTest, AnswersPropertiesAndStatesTheProtoDoesNotKnow) {
  FakeGraphBehaviour behaviour;
  behaviour.unknown_properties = true;
  Start(behaviour);
  web::json::value evolved =
      translation::ConnectorToGraphJson(SampleConnector("evolved"));
  evolved["state"] = web::json::value::string("unknownFutureValue");
  fake_->PutConnector(evolved);
  const web::json::value got = Json(Send("GET", Url("evolved")).body);
  EXPECT_EQ(got.at("state").as_string(), "unknownFutureValue");
  EXPECT_TRUE(got.has_field("connectorHealth"));
}

TEST_F(FakeGraphBehaviourTest, IntuneLikeTurnsOnEveryHabit) {
  const FakeGraphBehaviour intune = FakeGraphBehaviour::IntuneLike();
  EXPECT_EQ(intune.write_budget, 100);
  EXPECT_EQ(intune.request_budget, 1000);
  EXPECT_EQ(intune.budget_window, absl::Seconds(20));
  EXPECT_TRUE(intune.patch_answers_no_content);
  EXPECT_TRUE(intune.assigns_ids);
  EXPECT_FALSE(intune.sends_etags);
  EXPECT_FALSE(intune.honours_if_match);
  EXPECT_GT(intune.page_size, 0);
  EXPECT_TRUE(intune.opaque_skiptokens);
  EXPECT_TRUE(intune.unknown_properties);
  EXPECT_FALSE(intune.repeats_next_link);
}

}  // namespace
}  // namespace ndes::graph::testing
