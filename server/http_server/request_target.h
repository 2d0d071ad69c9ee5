// The parts of an HTTP request target ("/a/b%2Fc?x=1&y"): the path as sent
// and the query's parameters, decoded. Pure functions; safe on any input.
#ifndef NDES_SERVER_HTTP_SERVER_REQUEST_TARGET_H_
#define NDES_SERVER_HTTP_SERVER_REQUEST_TARGET_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace ndes::http_server {

// The target up to "?" or "#", still percent-encoded.
absl::string_view TargetPath(absl::string_view target);

// The query's name=value pairs, in order: split at "&", then at the first
// "=" (none: empty value), each part decoded with DecodeQueryComponent.
// Empty pairs ("a=1&&b=2") are skipped; a fragment ("#...") is dropped.
std::vector<std::pair<std::string, std::string>> TargetQuery(
    absl::string_view target);

// "%XX" becomes the byte, "+" a space; a "%" not followed by two hex digits
// is kept as it is.
std::string DecodeQueryComponent(absl::string_view component);

// One segment of a path (split at "/" first, so that an encoded "/" stays
// in its segment): "%XX" becomes the byte, "+" stays a "+". Nullopt for a
// "%" not followed by two hex digits.
std::optional<std::string> DecodePathSegment(absl::string_view segment);

}  // namespace ndes::http_server

#endif  // NDES_SERVER_HTTP_SERVER_REQUEST_TARGET_H_
