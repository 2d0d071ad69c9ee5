#include "graph/graph_page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "translation/status_details.h"

namespace ndes::graph {
namespace {

using ndes::internal::GraphListCursor;

constexpr absl::string_view kPlainPrefix = "graph.v2:";
constexpr absl::string_view kSignedPrefix = "graph.v2s:";
constexpr std::size_t kSignatureBytes = 32;

absl::Status InvalidToken() {
  constexpr absl::string_view kProblem =
      "is not a page token issued by this gateway; start again with an "
      "empty page_token";
  return translation::InvalidArgumentWithViolations(
      absl::StrCat("page_token ", kProblem),
      {{"page_token", std::string(kProblem)}});
}

std::string Serialize(const GraphListCursor& cursor) {
  std::string bytes;
  cursor.SerializeToString(&bytes);
  return bytes;
}

std::string RandomKey() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 1) {
    // No randomness: a key nobody else has is still better than none.
    key = absl::StrCat(reinterpret_cast<std::uintptr_t>(&key), "/",
                       absl::ToUnixNanos(absl::Now()));
  }
  return key;
}

}  // namespace

bool IsSafeGraphQuery(absl::string_view query) {
  if (query.empty()) return false;
  for (char c : query) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#' || c == '\\') return false;
  }
  return true;
}

GraphPageTokens::GraphPageTokens() : key_(RandomKey()) {}

GraphPageTokens::GraphPageTokens(std::string signing_key)
    : key_(std::move(signing_key)) {}

std::string GraphPageTokens::Sign(absl::string_view cursor,
                                  absl::string_view binding) const {
  // Length-prefixed, so that no cursor/binding pair signs like another.
  const std::string message = absl::StrCat(cursor.size(), ":", cursor, binding);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string GraphPageTokens::Encode(const GraphListCursor& cursor,
                                    absl::string_view binding) const {
  const std::string bytes = Serialize(cursor);
  if (cursor.buffered().empty()) {
    return absl::WebSafeBase64Escape(absl::StrCat(kPlainPrefix, bytes));
  }
  return absl::WebSafeBase64Escape(
      absl::StrCat(kSignedPrefix, bytes, Sign(bytes, binding)));
}

absl::StatusOr<GraphListCursor> GraphPageTokens::Decode(
    absl::string_view token, absl::string_view binding) const {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return InvalidToken();
  absl::string_view rest = raw;
  const bool is_signed = absl::ConsumePrefix(&rest, kSignedPrefix);
  if (!is_signed && !absl::ConsumePrefix(&rest, kPlainPrefix)) {
    return InvalidToken();
  }
  absl::string_view bytes = rest;
  if (is_signed) {
    if (rest.size() < kSignatureBytes) return InvalidToken();
    bytes = rest.substr(0, rest.size() - kSignatureBytes);
    const absl::string_view signature =
        rest.substr(rest.size() - kSignatureBytes);
    const std::string expected = Sign(bytes, binding);
    if (expected.size() != signature.size() ||
        CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) !=
            0) {
      return InvalidToken();
    }
  }
  GraphListCursor cursor;
  if (!cursor.ParseFromString(std::string(bytes)) ||
      cursor.buffered().empty() == is_signed ||
      (!cursor.query().empty() && !IsSafeGraphQuery(cursor.query())) ||
      (cursor.query().empty() && cursor.buffered().empty()) ||
      Encode(cursor, binding) != token) {
    return InvalidToken();
  }
  return cursor;
}

}  // namespace ndes::graph
