#include "ndesctl/connection.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace ndes::ndesctl {
namespace {

using ::ndes::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteFile(const TempDir& dir, const std::string& name,
                      const std::string& contents) {
  const std::string path = dir.Path(name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(BearerTokenTest, TokenFileLosesItsTrailingNewline) {
  TempDir dir;
  ConnectionOptions options;
  options.token_file = WriteFile(dir, "token", "abc.def-ghi\n");
  EXPECT_EQ(BearerTokenFor(options).value(), "abc.def-ghi");
  options.token_file = WriteFile(dir, "crlf", "xyz\r\n");
  EXPECT_EQ(BearerTokenFor(options).value(), "xyz");
}

TEST(BearerTokenTest, TokenFlagIsUsedAsGiven) {
  ConnectionOptions options;
  options.token = "t0k";
  EXPECT_EQ(BearerTokenFor(options).value(), "t0k");
  EXPECT_EQ(BearerTokenFor(ConnectionOptions()).value(), "");
}

TEST(BearerTokenTest, UnusableTokenFilesAreRefusedWithoutShowingTheToken) {
  TempDir dir;
  ConnectionOptions options;
  options.token_file = dir.Path("missing");
  absl::StatusOr<std::string> token = BearerTokenFor(options);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(token.status().message(), HasSubstr(dir.Path("missing")));

  options.token_file = WriteFile(dir, "empty", "\n");
  EXPECT_THAT(BearerTokenFor(options).status().message(), HasSubstr("empty"));

  options.token_file = WriteFile(dir, "two-lines", "secret1\nsecret2\n");
  token = BearerTokenFor(options);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(token.status().message(), Not(HasSubstr("secret")));
}

TEST(ClientOptionsForTest, CarriesTokenAndTimeout) {
  ConnectionOptions options;
  options.token = "abc";
  options.timeout = absl::Seconds(42);
  absl::StatusOr<ndes::client::ClientOptions> client_options =
      ClientOptionsFor(options);
  ASSERT_TRUE(client_options.ok());
  EXPECT_EQ(client_options->bearer_token, "abc");
  EXPECT_EQ(client_options->timeout, absl::Seconds(42));
}

TEST(ChannelCredentialsTest, PlaintextUnlessTlsIsAsked) {
  ConnectionOptions options;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> plaintext =
      ChannelCredentialsFor(options);
  ASSERT_TRUE(plaintext.ok());
  ASSERT_NE(*plaintext, nullptr);
  options.tls = true;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> tls =
      ChannelCredentialsFor(options);
  ASSERT_TRUE(tls.ok());
  ASSERT_NE(*tls, nullptr);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  ASSERT_TRUE(channel.ok());
  EXPECT_NE(*channel, nullptr);
}

TEST(ChannelCredentialsTest, CaFileMustBeReadableAndNonEmpty) {
  TempDir dir;
  ConnectionOptions options;
  options.tls = true;
  options.tls_ca_file = dir.Path("absent.pem");
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(options);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(credentials.status().message(), HasSubstr("absent.pem"));
  options.tls_ca_file = WriteFile(dir, "empty.pem", "  \n");
  EXPECT_THAT(ChannelCredentialsFor(options).status().message(),
              HasSubstr("is empty"));
}

}  // namespace
}  // namespace ndes::ndesctl
