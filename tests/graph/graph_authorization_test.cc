#include "graph/graph_authorization.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "graph/fake_graph_server.h"
#include "gtest/gtest.h"
#include "http/cpprest_http_client.h"
#include "store/connector_store.h"

namespace ndes::graph {
namespace {

using ::ndes::graph::testing::FakeEndpoint;
using ::ndes::graph::testing::FakeGraphServer;
using ::ndes::graph::testing::FakeGraphServerOptions;
using ::ndes::graph::testing::IdentityErrorBody;
using ::ndes::graph::testing::ParseFormBody;
using ::ndes::graph::testing::RecordedRequest;
using ::ndes::graph::testing::ScriptedResponse;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr auto kCallbackTimeout = std::chrono::seconds(30);

absl::StatusOr<std::string> AuthorizeAndWait(
    GraphAuthorization& authorization, const store::CallContext& context = {}) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<std::string>>>();
  std::future<absl::StatusOr<std::string>> answer = promise->get_future();
  authorization.Authorize(context,
                          [promise](absl::StatusOr<std::string> result) {
                            promise->set_value(std::move(result));
                          });
  if (answer.wait_for(kCallbackTimeout) != std::future_status::ready) {
    return absl::DeadlineExceededError("test: Authorize never answered");
  }
  return answer.get();
}

ScriptedResponse TokenAnswer(int status, std::string body) {
  ScriptedResponse response;
  response.endpoint = FakeEndpoint::kToken;
  response.status = status;
  response.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  response.body = std::move(body);
  return response;
}

// --- Passthrough -------------------------------------------------------------

TEST(PassthroughAuthorizationTest, ForwardsTheCallersAuthorization) {
  PassthroughAuthorization passthrough;
  store::CallContext context;
  context.authorization = "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.caller";
  EXPECT_THAT(AuthorizeAndWait(passthrough, context),
              Eq(absl::StatusOr<std::string>(context.authorization)));
}

TEST(PassthroughAuthorizationTest, MissingAuthorizationIsUnauthenticated) {
  PassthroughAuthorization passthrough;
  absl::StatusOr<std::string> result = AuthorizeAndWait(passthrough);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("authorization"));
}

TEST(PassthroughAuthorizationTest, HasNothingToInvalidate) {
  PassthroughAuthorization passthrough;
  EXPECT_FALSE(passthrough.Invalidate("Bearer caller"));
}

// --- Client credentials ------------------------------------------------------

class ClientCredentialsTest : public ::testing::Test {
 protected:
  explicit ClientCredentialsTest(FakeGraphServerOptions fake_options = {})
      : fake_(fake_options),
        http_(std::make_shared<http::CpprestHttpClient>()) {}

  ClientCredentialsOptions Options() const {
    ClientCredentialsOptions options;
    options.token_url = fake_.token_url();
    options.client_id = fake_.options().client_id;
    options.client_secret = fake_.options().client_secret;
    return options;
  }

  std::unique_ptr<ClientCredentialsAuthorization> Make(
      ClientCredentialsOptions options) {
    return std::make_unique<ClientCredentialsAuthorization>(
        std::move(options), http_, GraphStats::Unexposed());
  }
  std::unique_ptr<ClientCredentialsAuthorization> Make() {
    return Make(Options());
  }

  std::string IssuedBearer(std::size_t index) const {
    std::vector<std::string> tokens = fake_.issued_tokens();
    return index < tokens.size() ? absl::StrCat("Bearer ", tokens[index])
                                 : "(not issued)";
  }

  // Declared first: destroyed after everything that talks to it.
  FakeGraphServer fake_;
  std::shared_ptr<http::CpprestHttpClient> http_;
};

TEST_F(ClientCredentialsTest, PostsTheClientCredentialsForm) {
  auto authorization = Make();
  absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, IssuedBearer(0));

  std::vector<RecordedRequest> seen = fake_.requests(FakeEndpoint::kToken);
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/tenant-id/oauth2/v2.0/token");
  EXPECT_THAT(seen[0].Header("content-type"),
              Optional(StartsWith("application/x-www-form-urlencoded")));
  std::map<std::string, std::string> form = ParseFormBody(seen[0].body);
  EXPECT_EQ(form["client_id"], "client-id");
  EXPECT_EQ(form["client_secret"], "client-secret");
  EXPECT_EQ(form["scope"], "https://graph.microsoft.com/.default");
  EXPECT_EQ(form["grant_type"], "client_credentials");
}

TEST_F(ClientCredentialsTest, ReservedCharactersInCredentialsAreFormEncoded) {
  FakeGraphServerOptions fake_options;
  fake_options.client_secret = "a+b&c=d %/?#\xc3\xa9~";
  FakeGraphServer fake(fake_options);
  ClientCredentialsOptions options;
  options.token_url = fake.token_url();
  options.client_id = fake_options.client_id;
  options.client_secret = fake_options.client_secret;
  ClientCredentialsAuthorization authorization(options, http_,
                                               GraphStats::Unexposed());
  absl::StatusOr<std::string> result = AuthorizeAndWait(authorization);
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<RecordedRequest> seen = fake.requests(FakeEndpoint::kToken);
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_THAT(seen[0].body, Not(HasSubstr("a+b&c=d")));
  EXPECT_EQ(ParseFormBody(seen[0].body)["client_secret"],
            fake_options.client_secret);
}

TEST_F(ClientCredentialsTest, TokenIsCachedAcrossCalls) {
  auto authorization = Make();
  std::vector<std::string> answers;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
    ASSERT_TRUE(result.ok()) << result.status();
    answers.push_back(*result);
  }
  EXPECT_THAT(answers, Each(IssuedBearer(0)));
  EXPECT_EQ(fake_.token_requests(), 1);
  EXPECT_EQ(authorization->token_requests(), 1);
}

TEST_F(ClientCredentialsTest, TokenWithinTheRefreshMarginIsRefreshed) {
  fake_.SetTokenLifetime(3600);
  ClientCredentialsOptions options = Options();
  options.refresh_margin = absl::Minutes(5);
  absl::Time now = absl::Now();
  options.clock = [&now] { return now; };
  auto authorization = Make(options);
  absl::StatusOr<std::string> first = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(first.ok()) << first.status();
  now += absl::Seconds(3600 - 301);  // just outside the margin: reused
  absl::StatusOr<std::string> second = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(fake_.token_requests(), 1);
  now += absl::Seconds(2);  // inside the margin: refreshed
  absl::StatusOr<std::string> third = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(fake_.token_requests(), 2);
  EXPECT_EQ(authorization->token_requests(), 2);
  EXPECT_EQ(*third, IssuedBearer(1));
  EXPECT_NE(*first, *third);
}

TEST_F(ClientCredentialsTest, ShortLivedTokenIsReusedForHalfItsLifetime) {
  // 60 s of lifetime is shorter than the 5 minute margin: the margin shrinks
  // to half the lifetime rather than fetching a token for every call.
  fake_.SetTokenLifetime(60);
  ClientCredentialsOptions options = Options();
  options.refresh_margin = absl::Minutes(5);
  absl::Time now = absl::Now();
  options.clock = [&now] { return now; };
  auto authorization = Make(options);
  ASSERT_TRUE(AuthorizeAndWait(*authorization).ok());
  now += absl::Seconds(29);
  ASSERT_TRUE(AuthorizeAndWait(*authorization).ok());
  EXPECT_EQ(fake_.token_requests(), 1);
  now += absl::Seconds(2);
  ASSERT_TRUE(AuthorizeAndWait(*authorization).ok());
  EXPECT_EQ(fake_.token_requests(), 2);
}

TEST_F(ClientCredentialsTest, TokenOutsideTheRefreshMarginIsReused) {
  fake_.SetTokenLifetime(400);
  ClientCredentialsOptions options = Options();
  options.refresh_margin = absl::Minutes(5);  // 100 s to spare
  auto authorization = Make(options);
  ASSERT_TRUE(AuthorizeAndWait(*authorization).ok());
  ASSERT_TRUE(AuthorizeAndWait(*authorization).ok());
  EXPECT_EQ(fake_.token_requests(), 1);
}

TEST_F(ClientCredentialsTest, ConcurrentCallersShareOneTokenRequest) {
  // Slow enough that every caller asks while the request is in flight.
  fake_.SetResponseDelay(absl::Milliseconds(300));
  auto authorization = Make();
  constexpr int kCallers = 50;
  absl::Mutex mu;
  std::vector<absl::StatusOr<std::string>> results;
  absl::Notification go;
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      go.WaitForNotification();
      authorization->Authorize({}, [&](absl::StatusOr<std::string> result) {
        absl::MutexLock lock(&mu);
        results.push_back(std::move(result));
      });
    });
  }
  go.Notify();
  for (std::thread& caller : callers) caller.join();
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::vector<absl::StatusOr<std::string>>* r) {
              return r->size() >= kCallers;
            },
            &results),
        absl::Seconds(30)));
  }
  EXPECT_EQ(fake_.token_requests(), 1);
  EXPECT_EQ(authorization->token_requests(), 1);
  absl::MutexLock lock(&mu);
  ASSERT_THAT(results, SizeIs(kCallers));
  for (const absl::StatusOr<std::string>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, IssuedBearer(0));
  }
}

TEST_F(ClientCredentialsTest,
       RefusedSecretIsUnauthenticatedWithTheAadstsCodeAndNeverTheSecret) {
  ClientCredentialsOptions options = Options();
  options.client_secret = "wrong-s3cr3t-value";
  auto authorization = Make(options);
  absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  const std::string message(result.status().message());
  EXPECT_THAT(message, AllOf(HasSubstr("AADSTS7000215"),
                             Not(HasSubstr("wrong-s3cr3t-value"))));
}

TEST_F(ClientCredentialsTest, SecretEchoedByTheEndpointNeverReachesTheStatus) {
  // Whatever the endpoint says after its error code stays out of the
  // status: here, a description that quotes the secret back.
  fake_.Enqueue(TokenAnswer(
      400, IdentityErrorBody("invalid_client",
                             "AADSTS7000215: Invalid client secret provided: "
                             "client-secret")));
  auto authorization = Make();
  absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(result.status().message()),
              AllOf(HasSubstr("AADSTS7000215"), Not(HasSubstr("client-secret")),
                    Not(HasSubstr("Trace ID"))));
}

TEST_F(ClientCredentialsTest, UnknownClientIdIsUnauthenticated) {
  ClientCredentialsOptions options = Options();
  options.client_id = "not-registered";
  auto authorization = Make(options);
  absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(
      std::string(result.status().message()),
      AllOf(HasSubstr("AADSTS700016"), Not(HasSubstr("client-secret"))));
}

TEST_F(ClientCredentialsTest, ServerErrorsAreUnavailable) {
  for (int status : {500, 502, 503, 429}) {
    SCOPED_TRACE(status);
    fake_.Enqueue(
        TokenAnswer(status, R"({"error":"temporarily_unavailable"})"));
    auto authorization = Make();
    absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
        << result.status();
    EXPECT_THAT(std::string(result.status().message()),
                Not(HasSubstr("client-secret")));
  }
}

TEST_F(ClientCredentialsTest, UnreachableEndpointIsUnavailable) {
  // A bound port that nobody listens on: the connection is refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address),
            0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ClientCredentialsOptions options = Options();
  options.token_url = absl::StrCat("http://127.0.0.1:", ntohs(address.sin_port),
                                   "/tenant-id/oauth2/v2.0/token");
  auto authorization = Make(options);
  absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
  ::close(fd);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable)
      << result.status();
}

TEST_F(ClientCredentialsTest, SlowEndpointIsDeadlineExceededPromptly) {
  fake_.SetResponseDelay(absl::Seconds(30));
  ClientCredentialsOptions options = Options();
  options.token_request_timeout = absl::Milliseconds(200);
  auto authorization = Make(options);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded)
      << result.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(ClientCredentialsTest, AnswerThatIsNotATokenIsInternal) {
  for (const char* body :
       {"", "not json", "{}", "[]", R"({"access_token":"x"})",
        R"({"access_token":"","expires_in":3600})",
        R"({"access_token":"x","expires_in":-5})",
        R"({"access_token":42,"expires_in":3600})"}) {
    SCOPED_TRACE(body);
    fake_.Enqueue(TokenAnswer(200, body));
    auto authorization = Make();
    absl::StatusOr<std::string> result = AuthorizeAndWait(*authorization);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal)
        << result.status();
  }
}

TEST_F(ClientCredentialsTest, FailureIsNotCached) {
  fake_.Enqueue(TokenAnswer(500, "{}"));
  auto authorization = Make();
  EXPECT_EQ(AuthorizeAndWait(*authorization).status().code(),
            absl::StatusCode::kUnavailable);
  absl::StatusOr<std::string> retried = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(*retried, IssuedBearer(0));
  EXPECT_EQ(fake_.token_requests(), 2);
}

TEST_F(ClientCredentialsTest, EveryWaiterGetsTheFailure) {
  fake_.SetResponseDelay(absl::Milliseconds(200));
  fake_.Enqueue(TokenAnswer(503, "{}"));
  auto authorization = Make();
  constexpr int kCallers = 10;
  absl::Mutex mu;
  std::vector<absl::Status> results;
  for (int i = 0; i < kCallers; ++i) {
    authorization->Authorize({}, [&](absl::StatusOr<std::string> result) {
      absl::MutexLock lock(&mu);
      results.push_back(result.status());
    });
  }
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(
      absl::Condition(
          +[](std::vector<absl::Status>* r) { return r->size() >= kCallers; },
          &results),
      absl::Seconds(30)));
  for (const absl::Status& status : results) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  }
  EXPECT_EQ(fake_.token_requests(), 1);
}

TEST_F(ClientCredentialsTest, InvalidateDropsTheCachedToken) {
  auto authorization = Make();
  absl::StatusOr<std::string> first = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(authorization->Invalidate(*first));
  absl::StatusOr<std::string> second = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*second, *first);
  EXPECT_EQ(*second, IssuedBearer(1));
  EXPECT_EQ(fake_.token_requests(), 2);
}

TEST_F(ClientCredentialsTest, InvalidatingAnOlderTokenKeepsTheCurrentOne) {
  auto authorization = Make();
  absl::StatusOr<std::string> current = AuthorizeAndWait(*authorization);
  ASSERT_TRUE(current.ok()) << current.status();
  authorization->Invalidate("Bearer an-older-token");
  EXPECT_THAT(AuthorizeAndWait(*authorization),
              Eq(absl::StatusOr<std::string>(*current)));
  EXPECT_EQ(fake_.token_requests(), 1);
}

TEST_F(ClientCredentialsTest, DestroyingWhileATokenRequestIsInFlightAnswers) {
  fake_.SetResponseDelay(absl::Milliseconds(300));
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto answered = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> answer = answered->get_future();
  auto authorization = Make();
  authorization->Authorize(
      {}, [calls, answered](absl::StatusOr<std::string> result) {
        if (calls->fetch_add(1) == 0) answered->set_value(result.status());
      });
  ASSERT_TRUE(fake_.WaitForRequests(1, absl::Seconds(10)));
  authorization.reset();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  EXPECT_EQ(calls->load(), 1);
}

// --- DefaultTokenUrl / ReadSecretFile ---------------------------------------

TEST(DefaultTokenUrlTest, IsTheTenantsV2TokenEndpoint) {
  EXPECT_EQ(DefaultTokenUrl("contoso.onmicrosoft.com"),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/"
            "oauth2/v2.0/token");
  EXPECT_EQ(DefaultTokenUrl("72f988bf-86f1-41af-91ab-2d7cd011db47"),
            "https://login.microsoftonline.com/"
            "72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token");
}

TEST(DefaultTokenUrlTest, HostileTenantStaysInOneSegment) {
  const std::string prefix = "https://login.microsoftonline.com/";
  const std::string suffix = "/oauth2/v2.0/token";
  for (const char* tenant : {"../../evil", "a/b", "x?y=z", "t#frag", "a b"}) {
    SCOPED_TRACE(tenant);
    const std::string url = DefaultTokenUrl(tenant);
    ASSERT_TRUE(absl::StartsWith(url, prefix)) << url;
    ASSERT_TRUE(absl::EndsWith(url, suffix)) << url;
    const std::string segment =
        url.substr(prefix.size(), url.size() - prefix.size() - suffix.size());
    EXPECT_EQ(segment.find_first_of("/?# "), std::string::npos) << url;
  }
}

class ReadSecretFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& content) {
    const std::string path = absl::StrCat(
        ::testing::TempDir(), "/secret-", ::getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), "-",
        files_.size());
    std::ofstream(path, std::ios::binary) << content;
    files_.push_back(path);
    return path;
  }
  ~ReadSecretFileTest() override {
    for (const std::string& file : files_) ::unlink(file.c_str());
  }
  std::vector<std::string> files_;
};

TEST_F(ReadSecretFileTest, TrimsTrailingWhitespace) {
  EXPECT_THAT(ReadSecretFile(Write("s3cr3t\n")),
              Eq(absl::StatusOr<std::string>("s3cr3t")));
  EXPECT_THAT(ReadSecretFile(Write("s3cr3t \r\n\t\n")),
              Eq(absl::StatusOr<std::string>("s3cr3t")));
  EXPECT_THAT(ReadSecretFile(Write("with inner space")),
              Eq(absl::StatusOr<std::string>("with inner space")));
}

TEST_F(ReadSecretFileTest, MissingFileIsFailedPreconditionNamingTheFile) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/no-such-secret-", ::getpid());
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  EXPECT_EQ(secret.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(secret.status().message()), HasSubstr(path));
}

TEST_F(ReadSecretFileTest, BlankFileIsFailedPreconditionNamingTheFile) {
  for (const char* content : {"", "\n", "  \r\n\t"}) {
    const std::string path = Write(content);
    absl::StatusOr<std::string> secret = ReadSecretFile(path);
    EXPECT_EQ(secret.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(secret.status().message()), HasSubstr(path));
  }
}

TEST_F(ReadSecretFileTest, DirectoryIsFailedPreconditionNamingIt) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/secret-dir-", ::getpid());
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  absl::StatusOr<std::string> secret = ReadSecretFile(dir);
  ::rmdir(dir.c_str());
  EXPECT_EQ(secret.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(secret.status().message()), HasSubstr(dir));
}

TEST_F(ReadSecretFileTest, UnreadableFileNeverEchoesItsContent) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = Write("top-secret-content");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  EXPECT_EQ(secret.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(secret.status().message()),
              AllOf(HasSubstr(path), Not(HasSubstr("top-secret-content"))));
}

}  // namespace
// --- OpenGraphAuthorization --------------------------------------------------

TEST_F(ReadSecretFileTest, OpensTheAuthorizationTheFlagsName) {
  auto http = std::make_shared<http::CpprestHttpClient>();
  GraphAuthOptions options;
  absl::StatusOr<std::unique_ptr<GraphAuthorization>> passthrough =
      OpenGraphAuthorization(options, http, GraphStats::Unexposed());
  ASSERT_TRUE(passthrough.ok()) << passthrough.status();
  EXPECT_TRUE((*passthrough)->UsesCallerCredentials());

  options.auth = "client_credentials";
  options.tenant_id = "contoso.onmicrosoft.com";
  options.client_id = "app";
  options.client_secret_file = Write("s3cr3t\n");
  absl::StatusOr<std::unique_ptr<GraphAuthorization>> app =
      OpenGraphAuthorization(options, http, GraphStats::Unexposed());
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_FALSE((*app)->UsesCallerCredentials());
}

TEST_F(ReadSecretFileTest, IncompleteAuthorizationFlagsNameWhatIsMissing) {
  auto http = std::make_shared<http::CpprestHttpClient>();
  const std::string secret = Write("s3cr3t");
  const struct {
    GraphAuthOptions options;
    const char* message;
  } cases[] = {
      {{"kerberos", "t", "c", secret, ""}, "--graph_auth=kerberos"},
      {{"client_credentials", "t", "", secret, ""}, "--graph_client_id"},
      {{"client_credentials", "", "c", secret, ""}, "--graph_tenant_id"},
      {{"client_credentials", "t", "c", "", ""}, "--graph_client_secret_file"},
  };
  for (const auto& [options, message] : cases) {
    absl::StatusOr<std::unique_ptr<GraphAuthorization>> opened =
        OpenGraphAuthorization(options, http, GraphStats::Unexposed());
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument)
        << message;
    EXPECT_THAT(std::string(opened.status().message()), HasSubstr(message));
  }
  GraphAuthOptions unreadable{"client_credentials", "t", "c",
                              secret + ".missing", ""};
  EXPECT_EQ(OpenGraphAuthorization(unreadable, http, GraphStats::Unexposed())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace ndes::graph
