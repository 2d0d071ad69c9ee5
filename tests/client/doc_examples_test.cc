// The shell examples of README.md and docs/clients.md, run against the real
// gateway: every `grpcurl … -d '…' … Service/Method` line (its JSON parsed
// with protobuf's JSON parser — what grpcurl does — and sent over gRPC) and
// every `ndesctl …` line (the real binary). A document's examples run in
// order against one fresh gateway (--store=memory), so later examples may use
// connectors that earlier ones created.
//
// What an example must do comes from the comment lines right after it, as a
// reader sees them:
//   grpcurl: "#   ERROR:" … "#     Code: InvalidArgument" … "#     Message:
//            text" expects that code and a message containing the text;
//            without "ERROR:", the call must succeed.
//   ndesctl: "#   NOT_FOUND: text" (a status code name) expects exit code 1
//            and stderr starting so; otherwise exit code 0.
// Examples of other programs are not run, nor `ndesctl graph-probe` ones:
// they talk to a tenant's Graph, not to the gateway (graph_probe_test and
// graph_probe_command_test run the probe against the fake Graph).

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/subprocess.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ndes/v1/ndes_connector_service.pb.h"
#include "support/gateway_process.h"

namespace ndes::testing {
namespace {

// The documented output of an error shows an example request id ("(request
// id 0b6f…)"); every run has its own, so the comparison stops before it.
std::string WithoutRequestId(const std::string& text) {
  return text.substr(0, text.find(" (request id "));
}

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Example {
  int line = 0;                       // where it starts in the document
  std::vector<std::string> words;     // the command, shell-tokenized
  std::vector<std::string> comments;  // the comment lines right after it
};

// Splits the shell text from `*pos` into words up to the end of the
// command (an unquoted newline not escaped by a backslash). Handles single
// and double quotes (also across lines) and backslash-newline.
std::vector<std::string> ShellWords(const std::string& text, size_t* pos) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (; *pos < text.size(); ++*pos) {
    const char c = text[*pos];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (quote == '"' && c == '\\' && *pos + 1 < text.size() &&
                 (text[*pos + 1] == '"' || text[*pos + 1] == '\\')) {
        word += text[++*pos];
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\\' && *pos + 1 < text.size()) {
      if (text[*pos + 1] == '\n') {
        ++*pos;
        continue;
      }
      word += text[++*pos];
      in_word = true;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
      continue;
    }
    if (c == '#' && !in_word) {  // a comment to the end of the line
      while (*pos < text.size() && text[*pos] != '\n') ++*pos;
      break;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      if (c == '\n') break;
      continue;
    }
    word += c;
    in_word = true;
  }
  if (in_word) words.push_back(word);
  ++*pos;
  return words;
}

// The grpcurl and ndesctl examples of the ```sh blocks of `document`.
std::vector<Example> ExamplesOf(const std::string& document) {
  std::vector<Example> examples;
  std::vector<std::string> lines = absl::StrSplit(document, '\n');
  std::string block;
  int block_start = 0;
  bool in_block = false;
  auto scan_block = [&] {
    size_t pos = 0;
    while (pos < block.size()) {
      const int line =
          block_start + static_cast<int>(std::count(block.begin(),
                                                    block.begin() + pos, '\n'));
      const size_t line_end = block.find('\n', pos);
      const std::string first_line = block.substr(pos, line_end - pos);
      const absl::string_view trimmed =
          absl::StripLeadingAsciiWhitespace(first_line);
      if (!absl::StartsWith(trimmed, "grpcurl ") &&
          !absl::StartsWith(trimmed, "ndesctl ")) {
        pos = line_end == std::string::npos ? block.size() : line_end + 1;
        continue;
      }
      Example example;
      example.line = line;
      example.words = ShellWords(block, &pos);
      const bool talks_to_graph = example.words.size() > 1 &&
                                  example.words[0] == "ndesctl" &&
                                  example.words[1] == "graph-probe";
      while (pos < block.size()) {
        const size_t end = block.find('\n', pos);
        const std::string next = block.substr(pos, end - pos);
        const absl::string_view next_trimmed =
            absl::StripLeadingAsciiWhitespace(next);
        if (!absl::StartsWith(next_trimmed, "#")) break;
        example.comments.emplace_back(
            absl::StripAsciiWhitespace(next_trimmed.substr(1)));
        pos = end == std::string::npos ? block.size() : end + 1;
      }
      if (!talks_to_graph) examples.push_back(std::move(example));
    }
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view line = absl::StripAsciiWhitespace(lines[i]);
    if (!in_block && (line == "```sh" || line == "```bash")) {
      in_block = true;
      block.clear();
      block_start = static_cast<int>(i) + 2;
    } else if (in_block && line == "```") {
      in_block = false;
      scan_block();
    } else if (in_block) {
      absl::StrAppend(&block, lines[i], "\n");
    }
  }
  return examples;
}

// grpcurl's names of the status codes.
std::string GrpcurlCodeName(grpc::StatusCode code) {
  static const auto* const kNames =
      new std::map<int, std::string>{{0, "OK"},
                                     {1, "Canceled"},
                                     {2, "Unknown"},
                                     {3, "InvalidArgument"},
                                     {4, "DeadlineExceeded"},
                                     {5, "NotFound"},
                                     {6, "AlreadyExists"},
                                     {7, "PermissionDenied"},
                                     {8, "ResourceExhausted"},
                                     {9, "FailedPrecondition"},
                                     {10, "Aborted"},
                                     {11, "OutOfRange"},
                                     {12, "Unimplemented"},
                                     {13, "Internal"},
                                     {14, "Unavailable"},
                                     {15, "DataLoss"},
                                     {16, "Unauthenticated"}};
  return kNames->at(static_cast<int>(code));
}

// The value after "Key:" in the first comment that has it, or "".
std::string CommentValue(const Example& example, absl::string_view key) {
  for (const std::string& comment : example.comments) {
    if (absl::StartsWith(comment, key)) {
      return std::string(
          absl::StripAsciiWhitespace(comment.substr(key.size())));
    }
  }
  return "";
}

void RunGrpcurl(const Example& example, GatewayProcess& gateway) {
  std::string body = "{}";
  std::string method;
  std::vector<std::pair<std::string, std::string>> metadata;
  for (size_t i = 1; i < example.words.size(); ++i) {
    const std::string& word = example.words[i];
    if (word == "-d" && i + 1 < example.words.size()) {
      body = example.words[++i];
    } else if (word == "-H" && i + 1 < example.words.size()) {
      const std::string& header = example.words[++i];
      const size_t colon = header.find(':');
      metadata.emplace_back(
          absl::AsciiStrToLower(header.substr(0, colon)),
          std::string(absl::StripAsciiWhitespace(header.substr(colon + 1))));
    } else if (word.find('/') != std::string::npos && word[0] != '-') {
      method = word;
    }
  }
  if (method.empty()) return;  // list, describe: nothing to check here
  const size_t slash = method.find('/');
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          method.substr(0, slash));
  ASSERT_NE(service, nullptr) << "unknown service in " << method;
  const google::protobuf::MethodDescriptor* rpc =
      service->FindMethodByName(method.substr(slash + 1));
  ASSERT_NE(rpc, nullptr) << "unknown method " << method;

  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          rpc->input_type());
  ASSERT_NE(prototype, nullptr) << rpc->input_type()->full_name();
  std::unique_ptr<google::protobuf::Message> request(prototype->New());
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(body, request.get());
  ASSERT_TRUE(parsed.ok()) << "-d of " << method << " does not parse as "
                           << rpc->input_type()->full_name() << ": "
                           << parsed.ToString() << "\n"
                           << body;

  grpc::GenericStub stub(gateway.Channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  grpc::Slice slice(request->SerializeAsString());
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::CompletionQueue queue;
  auto call = stub.PrepareUnaryCall(
      &context,
      absl::StrCat("/", rpc->service()->full_name(), "/", rpc->name()),
      request_bytes, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&tag, &ok));
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }

  const bool expects_error =
      std::any_of(example.comments.begin(), example.comments.end(),
                  [](const std::string& c) { return c == "ERROR:"; });
  if (!expects_error) {
    EXPECT_TRUE(status.ok()) << method << " failed: " << status.error_code()
                             << " " << status.error_message();
    return;
  }
  EXPECT_FALSE(status.ok()) << method << " was expected to fail";
  if (const std::string code = CommentValue(example, "Code:"); !code.empty()) {
    EXPECT_EQ(GrpcurlCodeName(status.error_code()), code)
        << status.error_message();
  }
  if (const std::string message =
          WithoutRequestId(CommentValue(example, "Message:"));
      !message.empty()) {
    EXPECT_THAT(status.error_message(), HasSubstr(message));
  }
}

bool IsStatusCodeName(absl::string_view name) {
  for (int code = 1; code <= 16; ++code) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == name) {
      return true;
    }
  }
  return false;
}

void RunNdesctl(const Example& example, GatewayProcess& gateway) {
  std::vector<std::string> argv = {NDESCTL_BINARY,
                                   "--addr=" + gateway.address()};
  for (size_t i = 1; i < example.words.size(); ++i) {
    if (absl::StartsWith(example.words[i], "--addr")) continue;
    argv.push_back(example.words[i]);
  }
  const ProcessResult result = RunProcess(argv);
  std::string expected_error;
  if (!example.comments.empty()) {
    const std::string& first = example.comments.front();
    const size_t colon = first.find(':');
    if (colon != std::string::npos &&
        IsStatusCodeName(first.substr(0, colon))) {
      expected_error = WithoutRequestId(first);
    }
  }
  if (expected_error.empty()) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
  } else {
    EXPECT_EQ(result.exit_code, 1) << result.out;
    EXPECT_THAT(result.err, StartsWith(expected_error));
  }
}

void RunDocument(const std::string& relative_path, int min_examples) {
  // Link the generated descriptors that the examples name.
  ASSERT_NE(ndes::v1::UpdateNdesConnectorsRequest::descriptor(), nullptr);
  ASSERT_NE(grpc::health::v1::HealthCheckRequest::descriptor(), nullptr);
  std::ifstream in(std::string(NDES_SOURCE_DIR) + "/" + relative_path);
  ASSERT_TRUE(in) << relative_path;
  const std::string document((std::istreambuf_iterator<char>(in)), {});
  const std::vector<Example> examples = ExamplesOf(document);
  ASSERT_GE(examples.size(), static_cast<size_t>(min_examples))
      << "too few examples found in " << relative_path;

  GatewayProcess gateway({"--store=memory"});
  ASSERT_TRUE(gateway.Start().ok()) << gateway.Log();
  for (const Example& example : examples) {
    SCOPED_TRACE(absl::StrCat(relative_path, ":", example.line, ": ",
                              absl::StrJoin(example.words, " ")));
    if (example.words[0] == "grpcurl") {
      RunGrpcurl(example, gateway);
    } else {
      RunNdesctl(example, gateway);
    }
  }
  EXPECT_EQ(gateway.Terminate(), 0);
}

TEST(DocExamplesTest, ShellWordsFollowsQuotesAndContinuations) {
  const std::string text =
      "grpcurl -d '{\"a\": 1,\n  \"b\": \"x y\"}' \\\n  host Svc/M # c\n"
      "next";
  size_t pos = 0;
  EXPECT_THAT(
      ShellWords(text, &pos),
      ::testing::ElementsAre("grpcurl", "-d", "{\"a\": 1,\n  \"b\": \"x y\"}",
                             "host", "Svc/M"));
  EXPECT_EQ(text.substr(pos), "next");
  pos = 0;
  EXPECT_THAT(
      ShellWords("ndesctl update x --display_name=\"A (b)\"", &pos),
      ::testing::ElementsAre("ndesctl", "update", "x", "--display_name=A (b)"));
}

TEST(DocExamplesTest, ReadmeExamplesWorkAgainstTheGateway) {
  RunDocument("README.md", 8);
}

TEST(DocExamplesTest, ClientsGuideExamplesWorkAgainstTheGateway) {
  RunDocument("docs/clients.md", 6);
}

}  // namespace
}  // namespace ndes::testing
