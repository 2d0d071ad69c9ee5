#include "rest/json_batch.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ndes::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseJsonBatchTest, ReadsRequestsAsGraphDocumentsThem) {
  absl::StatusOr<std::vector<BatchStep>> steps = ParseJsonBatch(R"({
    "requests": [
      {"id": "1", "method": "post", "url": "/deviceManagement/ndesConnectors",
       "headers": {"Content-Type": "application/json"},
       "body": {"displayName": "a"}},
      {"id": "2", "method": "GET",
       "url": "/deviceManagement/ndesConnectors?$top=1&$select=id",
       "dependsOn": ["1"]}]})");
  ASSERT_TRUE(steps.ok()) << steps.status();
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].request.method, "POST");
  EXPECT_EQ((*steps)[0].request.body, R"({"displayName":"a"})");
  EXPECT_THAT((*steps)[0].request.headers,
              ElementsAre(Pair("Content-Type", "application/json")));
  EXPECT_EQ((*steps)[1].request.path, "/deviceManagement/ndesConnectors");
  EXPECT_THAT((*steps)[1].request.query,
              ElementsAre(Pair("$top", "1"), Pair("$select", "id")));
  EXPECT_THAT((*steps)[1].depends_on, ElementsAre(0));
}

TEST(ParseJsonBatchTest, RefusesDocumentsGraphRefuses) {
  const std::string one =
      R"({"id": "1", "method": "GET", "url": "/deviceManagement/ndesConnectors"})";
  std::string twenty_one = R"({"requests": [)";
  for (int i = 0; i < 21; ++i) {
    absl::StrAppend(
        &twenty_one, i == 0 ? "" : ",", R"({"id": ")", i,
        R"(", "method": "GET", "url": "/deviceManagement/ndesConnectors"})");
  }
  twenty_one += "]}";
  EXPECT_THAT(ParseJsonBatch(twenty_one).status().message(),
              HasSubstr("exceeds the limit"));
  for (
      const std::string& bad : std::vector<std::string>{
          "[]", "{}", R"({"requests": []})",
          absl::StrCat(R"({"requests": [)", one, ",", one, "]}"),
          R"({"requests": [{"id": "1", "method": "GET", "url": "https://evil.example/x"}]})",
          R"({"requests": [{"id": "1", "url": "/x"}]})",
          R"({"requests": [{"id": "1", "method": "GET", "url": "/x", "dependsOn": ["9"]}]})",
          R"({"requests": [{"id": "1", "method": "GET", "url": "/x", "dependsOn": ["1"]}]})",
          R"({"requests": [{"id": "1", "method": "GET", "url": "/x", "dependsOn": ["2"]},
                            {"id": "2", "method": "GET", "url": "/x", "dependsOn": ["1"]}]})",
          R"({"requests": [{"id": "1", "method": "GET", "url": "/x", "headers": {"a": 1}}]})"}) {
    EXPECT_EQ(ParseJsonBatch(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

// Runs steps with a runner that answers each path's last segment as its
// status, recording the order it ran them in.
std::string RunWithStatuses(const std::string& batch,
                            std::vector<std::string>* order) {
  absl::StatusOr<std::vector<BatchStep>> steps = ParseJsonBatch(batch);
  EXPECT_TRUE(steps.ok()) << steps.status();
  std::string answered;
  RunJsonBatch(
      *std::move(steps),
      [order](RestRequest request, RestDone done) {
        const std::string status =
            request.path.substr(request.path.rfind('/') + 1);
        order->push_back(status);
        RestResponse response;
        response.status = std::stoi(status);
        response.headers.emplace_back("Content-Type", "application/json");
        response.json = web::json::value::object();
        std::move(done)(std::move(response));
      },
      [&answered](RestResponse response) {
        answered = response.json->serialize();
      });
  return answered;
}

TEST(RunJsonBatchTest, RunsDependenciesFirstAndAnswersInRequestOrder) {
  std::vector<std::string> order;
  const std::string answered = RunWithStatuses(R"({"requests": [
      {"id": "a", "method": "GET", "url": "/x/200", "dependsOn": ["b"]},
      {"id": "b", "method": "GET", "url": "/x/201"}]})",
                                               &order);
  EXPECT_THAT(order, ElementsAre("201", "200"));
  EXPECT_THAT(answered, HasSubstr(R"("id":"a","status":200)"));
  EXPECT_LT(answered.find(R"("id":"a")"), answered.find(R"("id":"b")"));
}

TEST(RunJsonBatchTest, ADependentOfAFailedRequestIsNotRunAndAnswers424) {
  std::vector<std::string> order;
  const std::string answered = RunWithStatuses(R"({"requests": [
      {"id": "1", "method": "GET", "url": "/x/404"},
      {"id": "2", "method": "GET", "url": "/x/200", "dependsOn": ["1"]},
      {"id": "3", "method": "GET", "url": "/x/204", "dependsOn": ["2"]},
      {"id": "4", "method": "GET", "url": "/x/200"}]})",
                                               &order);
  EXPECT_THAT(order, ElementsAre("404", "200"));
  EXPECT_THAT(answered, HasSubstr(R"("id":"2","status":424)"));
  EXPECT_THAT(answered, HasSubstr(R"("id":"3","status":424)"));
  EXPECT_THAT(answered, HasSubstr(R"("id":"4","status":200)"));
  EXPECT_THAT(answered, HasSubstr("FailedDependency"));
}

}  // namespace
}  // namespace ndes::rest
