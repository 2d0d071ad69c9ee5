#include "graph/content_etag.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace ndes::graph {
namespace {

constexpr int kHexDigits = 32;

}  // namespace

std::string DerivedEtag(const ndes::v1::NdesConnector& connector) {
  ndes::v1::NdesConnector content = connector;
  content.clear_etag();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    content.SerializeToCodedStream(&coded);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(),
             nullptr);
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
  return absl::StrCat("\"", hex.substr(0, kHexDigits), "\"");
}

bool IsDerivedEtag(absl::string_view etag) {
  if (etag.size() != kHexDigits + 2 || etag.front() != '"' ||
      etag.back() != '"') {
    return false;
  }
  for (char c : etag.substr(1, kHexDigits)) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
  }
  return true;
}

bool EtagMatches(absl::string_view expected,
                 const ndes::v1::NdesConnector& current) {
  if (expected.empty()) return false;
  if (expected == current.etag()) return true;
  return IsDerivedEtag(expected) && expected == DerivedEtag(current);
}

}  // namespace ndes::graph
