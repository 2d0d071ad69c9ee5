#include "graph/graph_errors.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/http_client.h"

namespace ndes::graph {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;
using ::testing::SizeIs;

http::HttpResponse Answer(
    int status, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {
        {"content-type", "application/json"}}) {
  http::HttpResponse response;
  response.status_code = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

// Graph's envelope, as Graph writes it.
std::string Envelope(const std::string& code, const std::string& message,
                     const std::string& request_id = "req-1",
                     const std::string& client_request_id = "client-1") {
  return absl::StrCat(
      R"({"error":{"code":")", code, R"(","message":)", "\"", message, "\"",
      R"(,"innerError":{"date":"2026-11-28T10:15:30","request-id":")",
      request_id, R"(","client-request-id":")", client_request_id, R"("}}})");
}

// True if `text` has a byte that a terminal or log line would act on.
bool HasControlCharacter(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// --- StatusCodeForHttpStatus: the mapping table of graph_errors.h ----------

struct MappingRow {
  int http_status;
  absl::StatusCode code;
};

void PrintTo(const MappingRow& row, std::ostream* os) {
  *os << "HTTP " << row.http_status << " -> "
      << absl::StatusCodeToString(row.code);
}

class StatusMappingTest : public ::testing::TestWithParam<MappingRow> {};

TEST_P(StatusMappingTest, HttpStatusMapsToTheDocumentedCode) {
  EXPECT_EQ(StatusCodeForHttpStatus(GetParam().http_status), GetParam().code);
}

TEST_P(StatusMappingTest, StatusFromGraphErrorUsesTheSameCode) {
  const absl::Status status = StatusFromGraphError(
      Answer(GetParam().http_status, Envelope("SomeCode", "some message")));
  EXPECT_EQ(status.code(), GetParam().code);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat(GetParam().http_status)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, StatusMappingTest,
    ::testing::Values(MappingRow{400, absl::StatusCode::kInvalidArgument},
                      MappingRow{401, absl::StatusCode::kUnauthenticated},
                      MappingRow{403, absl::StatusCode::kPermissionDenied},
                      MappingRow{404, absl::StatusCode::kNotFound},
                      MappingRow{408, absl::StatusCode::kDeadlineExceeded},
                      MappingRow{409, absl::StatusCode::kAborted},
                      MappingRow{412, absl::StatusCode::kAborted},
                      MappingRow{429, absl::StatusCode::kResourceExhausted},
                      MappingRow{500, absl::StatusCode::kInternal},
                      MappingRow{501, absl::StatusCode::kInternal},
                      MappingRow{502, absl::StatusCode::kUnavailable},
                      MappingRow{503, absl::StatusCode::kUnavailable},
                      MappingRow{504, absl::StatusCode::kUnavailable},
                      MappingRow{505, absl::StatusCode::kInternal},
                      MappingRow{507, absl::StatusCode::kInternal},
                      MappingRow{599, absl::StatusCode::kInternal},
                      MappingRow{402, absl::StatusCode::kFailedPrecondition},
                      MappingRow{405, absl::StatusCode::kFailedPrecondition},
                      MappingRow{406, absl::StatusCode::kFailedPrecondition},
                      MappingRow{410, absl::StatusCode::kFailedPrecondition},
                      MappingRow{411, absl::StatusCode::kFailedPrecondition},
                      MappingRow{413, absl::StatusCode::kFailedPrecondition},
                      MappingRow{415, absl::StatusCode::kFailedPrecondition},
                      MappingRow{422, absl::StatusCode::kFailedPrecondition},
                      MappingRow{423, absl::StatusCode::kFailedPrecondition},
                      MappingRow{451, absl::StatusCode::kFailedPrecondition},
                      MappingRow{499, absl::StatusCode::kFailedPrecondition}),
    [](const ::testing::TestParamInfo<MappingRow>& info) {
      return absl::StrCat("Http", info.param.http_status);
    });

TEST(StatusFromGraphErrorTest, AnswerThatIsNeitherSuccessNorErrorIsNeverOk) {
  // A 3xx or 1xx where a result or an error was expected: still an error.
  for (int status : {0, 100, 301, 302, 304, 399}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(StatusFromGraphError(Answer(status, "")).ok());
  }
}

// --- ParseGraphError -------------------------------------------------------

TEST(ParseGraphErrorTest, ReadsEveryFieldOfTheEnvelope) {
  const GraphError error = ParseGraphError(
      Answer(404, Envelope("ResourceNotFound", "Resource not found", "7b3a-req",
                           "0f1e-client")));
  EXPECT_EQ(error.http_status, 404);
  EXPECT_EQ(error.code, "ResourceNotFound");
  EXPECT_EQ(error.message, "Resource not found");
  EXPECT_EQ(error.request_id, "7b3a-req");
  EXPECT_EQ(error.client_request_id, "0f1e-client");
}

TEST(ParseGraphErrorTest, UnwrapsIntunesJsonInsideMessage) {
  const std::string intune_message =
      R"({\"_version\":3,\"Message\":\"An internal server error has )"
      R"(occurred - Operation ID (for customer support): 00000000-0000 - )"
      R"(Activity ID: 5d1b\",\"CustomApiErrorPhrase\":\"\",)"
      R"(\"RetryAfter\":null,\"ErrorSourceService\":\"\",)"
      R"(\"HttpHeaders\":\"{}\"})";
  const GraphError error =
      ParseGraphError(Answer(500, Envelope("InternalError", intune_message)));
  EXPECT_EQ(error.code, "InternalError");
  EXPECT_EQ(error.message,
            "An internal server error has occurred - Operation ID (for "
            "customer support): 00000000-0000 - Activity ID: 5d1b");
}

TEST(ParseGraphErrorTest, KeepsAMessageThatOnlyLooksLikeJson) {
  const GraphError error =
      ParseGraphError(Answer(400, Envelope("BadRequest", "{not json")));
  EXPECT_EQ(error.message, "{not json");
}

TEST(ParseGraphErrorTest, KeepsAJsonMessageWithoutAnInnerMessage) {
  const GraphError error = ParseGraphError(
      Answer(400, Envelope("BadRequest", R"({\"_version\":3})")));
  EXPECT_THAT(error.message, HasSubstr("_version"));
}

TEST(ParseGraphErrorTest, FallsBackToRequestIdHeaders) {
  const GraphError error = ParseGraphError(
      Answer(503, R"({"error":{"code":"ServiceUnavailable","message":"x"}})",
             {{"content-type", "application/json"},
              {"request-id", "header-req"},
              {"client-request-id", "header-client"}}));
  EXPECT_EQ(error.code, "ServiceUnavailable");
  EXPECT_EQ(error.request_id, "header-req");
  EXPECT_EQ(error.client_request_id, "header-client");
}

TEST(ParseGraphErrorTest, PrefersTheInnerErrorRequestIdOverTheHeader) {
  const GraphError error = ParseGraphError(
      Answer(404, Envelope("ResourceNotFound", "x", "inner-req"),
             {{"request-id", "header-req"}}));
  EXPECT_EQ(error.request_id, "inner-req");
}

TEST(ParseGraphErrorTest, BodyThatIsNotAnEnvelopeGivesOnlyTheStatus) {
  for (const std::string& body :
       {std::string(), std::string("<html><body>502 Bad Gateway</body></html>"),
        std::string("null"), std::string("[]"), std::string("42"),
        std::string(R"("error")"), std::string(R"({"error":"invalid"})"),
        std::string(R"({"error":{"code":42,"message":["x"]}})"),
        std::string(R"({"error":{"code":"Trunc)"), std::string("\xff\xfe\x00"),
        std::string(R"({"error":{"code":"X","innerError":"oops"}})")}) {
    SCOPED_TRACE(body);
    const GraphError error = ParseGraphError(Answer(502, body));
    EXPECT_EQ(error.http_status, 502);
    EXPECT_THAT(error.message, Not(HasSubstr("<html>")));
    const absl::Status status = StatusFromGraphError(Answer(502, body));
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(std::string(status.message()), HasSubstr("502"));
  }
}

TEST(ParseGraphErrorTest, DeeplyNestedJsonDoesNotCrash) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const absl::Status status = StatusFromGraphError(Answer(500, deep));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i) deep_objects += R"({"error":)";
  EXPECT_EQ(StatusFromGraphError(Answer(400, deep_objects)).code(),
            absl::StatusCode::kInvalidArgument);
}

// --- StatusFromGraphError: the message -------------------------------------

TEST(StatusFromGraphErrorTest, MessageNamesStatusCodeMessageAndRequestIds) {
  const absl::Status status = StatusFromGraphError(
      Answer(404, Envelope("ResourceNotFound", "Resource not found", "7b3a-req",
                           "0f1e-client")));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("404"), HasSubstr("ResourceNotFound"),
                    HasSubstr("Resource not found"), HasSubstr("7b3a-req"),
                    HasSubstr("0f1e-client")));
}

TEST(StatusFromGraphErrorTest, MessageCarriesTheUnwrappedIntuneMessage) {
  const absl::Status status = StatusFromGraphError(Answer(
      400,
      Envelope("BadRequest",
               R"({\"_version\":3,\"Message\":\"Invalid state value\"})")));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("BadRequest"), HasSubstr("Invalid state value"),
                    Not(HasSubstr("_version"))));
}

TEST(StatusFromGraphErrorTest, MessageNamesTheRequestIdFromTheHeader) {
  const absl::Status status =
      StatusFromGraphError(Answer(429, "", {{"request-id", "throttled-req"}}));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(status.message()), HasSubstr("throttled-req"));
}

TEST(StatusFromGraphErrorTest, PreconditionFailedMessageSaysTheEtagIsStale) {
  const absl::Status status = StatusFromGraphError(
      Answer(412, Envelope("PreconditionFailed", "etag mismatch")));
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("PreconditionFailed"), HasSubstr("etag")));
}

TEST(StatusFromGraphErrorTest, HugeMessageIsCapped) {
  const std::string huge(1 << 20, 'x');
  const absl::Status status =
      StatusFromGraphError(Answer(500, Envelope("InternalError", huge)));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("InternalError"), SizeIs(Le(4096))));
}

TEST(StatusFromGraphErrorTest, HugeNonJsonBodyIsNotCopiedIntoTheMessage) {
  const absl::Status status =
      StatusFromGraphError(Answer(502, std::string(8 << 20, '<')));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), SizeIs(Le(4096)));
}

TEST(StatusFromGraphErrorTest, ControlCharactersAreEscaped) {
  // JSON escapes, so the parsed code, message and request-id hold raw
  // control characters (a forged log line, a terminal escape).
  const std::string body =
      R"({"error":{"code":"Bad\r\nCode","message":"line1\nFAKE LOG LINE\u001b[31m\u0000tail\u007f",)"
      R"("innerError":{"request-id":"req\r\nX-Injected: 1"}}})";
  const absl::Status status = StatusFromGraphError(Answer(400, body));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  EXPECT_FALSE(HasControlCharacter(message)) << message;
  EXPECT_THAT(message, AllOf(HasSubstr("FAKE LOG LINE"), HasSubstr("tail")));
}

TEST(StatusFromGraphErrorTest, ControlCharactersInHeadersAreEscaped) {
  const absl::Status status = StatusFromGraphError(
      Answer(503, "", {{"request-id", "req\x1b[2J\nnext"}}));
  EXPECT_FALSE(HasControlCharacter(std::string(status.message())))
      << status.message();
}

TEST(StatusFromGraphErrorTest, PrintableTextIsKeptAsIs) {
  // Only control characters are escaped (graph_errors.h): quotes and
  // non-ASCII UTF-8 (names, localized messages) stay readable.
  const absl::Status status = StatusFromGraphError(Answer(
      400, Envelope("BadRequest",
                    R"(Invalid value 'Z\u00fcrich' for property \"state\")")));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("Invalid value 'Z\xc3\xbcrich' for property "
                        "\"state\""));
}

TEST(StatusFromGraphErrorTest, EmptyBodyStillNamesTheStatus) {
  const absl::Status status = StatusFromGraphError(Answer(403, ""));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()), HasSubstr("403"));
  EXPECT_THAT(std::string(status.message()), Not(IsEmpty()));
}

}  // namespace
}  // namespace ndes::graph
