#include "rest/rest_route.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "http_server/request_target.h"
#include "text/untrusted_text.h"

namespace ndes::rest {
namespace {

absl::Status SegmentNotFound(absl::string_view segment) {
  return absl::InvalidArgumentError(
      absl::StrCat("Resource not found for the segment '",
                   text::EscapeUntrusted(segment), "'."));
}

std::string PercentEncode(absl::string_view text, absl::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '_' || c == '.' ||
        c == '~' || (c != '\0' && keep.find(c) != absl::string_view::npos)) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0xf]);
    }
  }
  return encoded;
}

}  // namespace

std::string EncodePathSegment(absl::string_view id) {
  return PercentEncode(id, "");
}

std::string EncodeQueryComponent(absl::string_view text) {
  return PercentEncode(text, "$,'():*/");
}

absl::StatusOr<RestRoute> ParseRestPath(absl::string_view path,
                                        VersionSegment version) {
  if (!absl::ConsumePrefix(&path, "/")) return SegmentNotFound(path);
  // A trailing "/" names the same resource.
  absl::ConsumeSuffix(&path, "/");
  std::vector<absl::string_view> segments = absl::StrSplit(path, '/');
  std::size_t at = 0;
  if (segments[0] == kVersion) {
    ++at;
  } else if (segments[0] == "v1.0") {
    // ndesConnector is a beta resource: v1.0 does not have it.
    return SegmentNotFound(segments.size() > 1 ? segments[1] : segments[0]);
  } else if (version == VersionSegment::kRequired) {
    return absl::NotFoundError(
        absl::StrCat("Invalid version: ", text::EscapeUntrusted(segments[0])));
  }
  const std::size_t left = segments.size() - at;
  if (left == 1 && segments[at] == "$batch") {
    return RestRoute{RestResource::kBatch, ""};
  }
  if (left < 2 || segments[at] != "deviceManagement") {
    return SegmentNotFound(left == 0 ? absl::string_view() : segments[at]);
  }
  if (segments[at + 1] != "ndesConnectors") {
    return SegmentNotFound(segments[at + 1]);
  }
  if (left == 2) return RestRoute{RestResource::kCollection, ""};
  if (left > 3) return SegmentNotFound(segments[at + 3]);
  if (segments[at + 2] == "$count") return RestRoute{RestResource::kCount, ""};
  std::optional<std::string> id =
      http_server::DecodePathSegment(segments[at + 2]);
  if (!id.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed percent escape in the path segment ",
                     text::QuoteUntrusted(segments[at + 2])));
  }
  return RestRoute{RestResource::kItem, *std::move(id)};
}

}  // namespace ndes::rest
