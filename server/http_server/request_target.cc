#include "http_server/request_target.h"

#include "absl/strings/str_split.h"

namespace ndes::http_server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::string_view TargetPath(absl::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

std::vector<std::pair<std::string, std::string>> TargetQuery(
    absl::string_view target) {
  std::vector<std::pair<std::string, std::string>> parameters;
  const std::size_t question = target.find_first_of("?#");
  if (question == absl::string_view::npos || target[question] == '#') {
    return parameters;
  }
  absl::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const std::size_t equals = pair.find('=');
    parameters.emplace_back(
        DecodeQueryComponent(pair.substr(0, equals)),
        equals == absl::string_view::npos
            ? std::string()
            : DecodeQueryComponent(pair.substr(equals + 1)));
  }
  return parameters;
}

std::string DecodeQueryComponent(absl::string_view component) {
  std::string decoded;
  decoded.reserve(component.size());
  for (std::size_t i = 0; i < component.size(); ++i) {
    const char c = component[i];
    if (c == '+') {
      decoded.push_back(' ');
      continue;
    }
    if (c == '%' && i + 2 < component.size()) {
      const int high = HexValue(component[i + 1]);
      const int low = HexValue(component[i + 2]);
      if (high >= 0 && low >= 0) {
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    decoded.push_back(c);
  }
  return decoded;
}

std::optional<std::string> DecodePathSegment(absl::string_view segment) {
  std::string decoded;
  decoded.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      decoded.push_back(segment[i]);
      continue;
    }
    const int high = i + 2 < segment.size() ? HexValue(segment[i + 1]) : -1;
    const int low = high >= 0 ? HexValue(segment[i + 2]) : -1;
    if (low < 0) return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

}  // namespace ndes::http_server
