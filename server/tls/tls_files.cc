#include "tls/tls_files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace ndes::tls {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioDeleter> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::unique_ptr<X509, X509Deleter> FirstCertificate(const std::string& pem) {
  return std::unique_ptr<X509, X509Deleter>(
      PEM_read_bio_X509(MemoryBio(pem).get(), nullptr, nullptr, nullptr));
}

}  // namespace

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read ", what, " \"", path, "\": ", std::strerror(errno)));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status CheckTlsFiles(const TlsFiles& files) {
  if (files.key_file.empty()) {
    return absl::FailedPreconditionError(
        "--tls_cert_file needs --tls_key_file (the certificate's private "
        "key)");
  }
  absl::StatusOr<std::string> cert_pem =
      ReadPemFile(files.cert_file, "TLS certificate");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem =
      ReadPemFile(files.key_file, "TLS private key");
  if (!key_pem.ok()) return key_pem.status();

  std::unique_ptr<X509, X509Deleter> cert = FirstCertificate(*cert_pem);
  if (cert == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(
        "TLS certificate \"", files.cert_file, "\" holds no PEM certificate"));
  }
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(PEM_read_bio_PrivateKey(
      MemoryBio(*key_pem).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat("TLS private key \"", files.key_file,
                     "\" holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat(
        "TLS private key \"", files.key_file,
        "\" does not match the certificate \"", files.cert_file, "\""));
  }
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca_pem =
        ReadPemFile(files.client_ca_file, "client CA file");
    if (!ca_pem.ok()) return ca_pem.status();
    if (FirstCertificate(*ca_pem) == nullptr) {
      ERR_clear_error();
      return absl::FailedPreconditionError(
          absl::StrCat("client CA file \"", files.client_ca_file,
                       "\" holds no PEM certificate"));
    }
  }
  return absl::OkStatus();
}

}  // namespace ndes::tls
