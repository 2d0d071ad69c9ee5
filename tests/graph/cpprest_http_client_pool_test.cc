// CpprestHttpClient on a cpprestsdk thread pool of one thread: Send must
// never wait for the pool, since it runs on it too (a request sent from the
// callback of another request's answer). Its own binary: the pool's size is
// fixed once per process, before anything uses it.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "graph/fake_graph_server.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "pplx/threadpool.h"
#include "store/store_test_support.h"
#include "translation/graph_json.h"

namespace ndes::http {
namespace {

class OneThreadPool : public ::testing::Environment {
 public:
  void SetUp() override { crossplat::threadpool::initialize_with_threads(1); }
};
const ::testing::Environment* const kOneThreadPool =
    ::testing::AddGlobalTestEnvironment(new OneThreadPool);

TEST(CpprestHttpClientPoolTest, AWriteSentFromAnAnswersCallbackNeverDeadlocks) {
  graph::testing::FakeGraphServer fake;
  fake.PutConnector(translation::ConnectorToGraphJson(
      store::testing::SampleConnector("ndes-1")));
  auto http = std::make_shared<CpprestHttpClient>();
  auto second = std::make_shared<std::promise<absl::StatusOr<HttpResponse>>>();

  HttpRequest get;
  get.method = "GET";
  get.url = fake.collection_url() + "/ndes-1";
  http->Send(std::move(get),
             [http, second, &fake](absl::StatusOr<HttpResponse> answer) {
               // On the pool's only thread: a PATCH with a body.
               HttpRequest patch;
               patch.method = "PATCH";
               patch.url = fake.collection_url() + "/ndes-1";
               patch.headers = {{"Content-Type", "application/json"}};
               patch.body = R"({"displayName":"from a callback"})";
               http->Send(std::move(patch),
                          [second](absl::StatusOr<HttpResponse> patched) {
                            second->set_value(std::move(patched));
                          });
             });
  std::future<absl::StatusOr<HttpResponse>> answer = second->get_future();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(20)),
            std::future_status::ready)
      << "the pool's thread waits for itself";
  absl::StatusOr<HttpResponse> patched = answer.get();
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(patched->status_code, 204);
  EXPECT_EQ(fake.FindConnector("ndes-1")->at("displayName").as_string(),
            "from a callback");
}

}  // namespace
}  // namespace ndes::http
