#include "store/postgres_uri.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace ndes::store {
namespace {

// The user info of `rest` (a URI after "scheme://"): what precedes its last
// '@', unless that '@' is in the query or the fragment.
std::optional<absl::string_view> UserInfoOf(absl::string_view rest) {
  const std::size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) return std::nullopt;
  absl::string_view user_info = rest.substr(0, at);
  if (user_info.find_first_of("?#") != absl::string_view::npos) {
    return std::nullopt;
  }
  return user_info;
}

}  // namespace

std::string RedactConnectionUri(absl::string_view uri) {
  absl::string_view rest = uri;
  std::string scheme;
  for (absl::string_view prefix : {"postgresql://", "postgres://"}) {
    if (absl::StartsWithIgnoreCase(rest, prefix)) {
      scheme = std::string(rest.substr(0, prefix.size()));
      rest.remove_prefix(prefix.size());
      break;
    }
  }
  if (scheme.empty()) {
    return absl::StrContains(absl::AsciiStrToLower(uri), "password")
               ? "***"
               : std::string(uri);
  }
  // The user info ends at the URI's last '@' (a password may hold an
  // unencoded '/', which libpq would not parse, but which must not leak
  // either), unless that '@' sits in the query or fragment.
  std::string redacted = scheme;
  absl::string_view after_user = rest;
  if (std::optional<absl::string_view> user_info = UserInfoOf(rest)) {
    if (const std::size_t colon = user_info->find(':');
        colon != absl::string_view::npos) {
      absl::StrAppend(&redacted, user_info->substr(0, colon), ":***@");
    } else {
      absl::StrAppend(&redacted, *user_info, "@");
    }
    after_user = rest.substr(user_info->size() + 1);
  }
  const std::size_t authority_end = after_user.find_first_of("/?#");
  absl::StrAppend(&redacted, after_user.substr(0, authority_end));
  const absl::string_view tail = authority_end == absl::string_view::npos
                                     ? absl::string_view()
                                     : after_user.substr(authority_end);
  const std::size_t query_start = tail.find('?');
  absl::StrAppend(&redacted, tail.substr(0, query_start));
  if (query_start == absl::string_view::npos) return redacted;
  absl::string_view query = tail.substr(query_start + 1);
  std::string fragment;
  if (const std::size_t hash = query.find('#');
      hash != absl::string_view::npos) {
    fragment = std::string(query.substr(hash));
    query = query.substr(0, hash);
  }
  std::vector<std::string> parameters;
  for (absl::string_view parameter : absl::StrSplit(query, '&')) {
    absl::string_view key = parameter.substr(0, parameter.find('='));
    if (absl::EqualsIgnoreCase(key, "password")) {
      parameters.push_back(absl::StrCat(key, "=***"));
    } else {
      parameters.emplace_back(parameter);
    }
  }
  absl::StrAppend(&redacted, "?", absl::StrJoin(parameters, "&"), fragment);
  return redacted;
}

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the PostgreSQL password file \"", path,
        "\": ", std::error_code(errno, std::generic_category()).message()));
  }
  std::string password((std::istreambuf_iterator<char>(file)),
                       std::istreambuf_iterator<char>());
  if (file.bad()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the PostgreSQL password file \"", path, "\""));
  }
  if (absl::EndsWith(password, "\n")) password.pop_back();
  if (absl::EndsWith(password, "\r")) password.pop_back();
  if (password.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the PostgreSQL password file \"", path, "\" is empty"));
  }
  return password;
}

namespace postgres_internal {

absl::StatusOr<std::vector<std::string>> ConnectionSecrets(
    const std::string& uri, const std::string& password) {
  std::vector<std::string> secrets;
  if (!password.empty()) secrets.push_back(password);
  // The URI's own password, as written and as libpq decodes it.
  {
    absl::string_view written = uri;
    const std::size_t scheme_end = written.find("://");
    if (scheme_end != absl::string_view::npos) {
      written.remove_prefix(scheme_end + 3);
      if (std::optional<absl::string_view> user_info = UserInfoOf(written)) {
        if (const std::size_t colon = user_info->find(':');
            colon != absl::string_view::npos) {
          std::string raw(user_info->substr(colon + 1));
          if (!raw.empty()) secrets.push_back(std::move(raw));
        }
      }
    }
  }
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string reason =
        parse_error != nullptr
            ? std::string(absl::StripAsciiWhitespace(parse_error))
            : "out of memory";
    PQfreemem(parse_error);
    return absl::InvalidArgumentError(
        ScrubSecrets(absl::StrCat("invalid PostgreSQL connection URI \"",
                                  RedactConnectionUri(uri), "\": ", reason),
                     secrets));
  }
  for (PQconninfoOption* option = parsed; option->keyword != nullptr;
       ++option) {
    if (absl::string_view(option->keyword) == "password" &&
        option->val != nullptr && option->val[0] != '\0') {
      secrets.emplace_back(option->val);
    }
  }
  PQconninfoFree(parsed);
  return secrets;
}

std::string ScrubSecrets(std::string message,
                         std::vector<std::string> secrets) {
  // Longest first, so that a secret containing another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  for (const std::string& secret : secrets) {
    absl::StrReplaceAll({{secret, "***"}}, &message);
  }
  return message;
}

}  // namespace postgres_internal
}  // namespace ndes::store
