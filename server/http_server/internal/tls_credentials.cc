#include "http_server/internal/tls_credentials.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "absl/strings/str_cat.h"
#include "tls/tls_files.h"

namespace ndes::http_server::internal {
namespace {

gnutls_datum_t Datum(const std::string& text) {
  return gnutls_datum_t{
      reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
      static_cast<unsigned int>(text.size())};
}

// Empty when `pem` holds a certificate, else why not.
std::string CertificateProblem(const std::string& pem) {
  gnutls_x509_crt_t cert;
  if (gnutls_x509_crt_init(&cert) < 0) return "out of memory";
  const gnutls_datum_t datum = Datum(pem);
  const int rc = gnutls_x509_crt_import(cert, &datum, GNUTLS_X509_FMT_PEM);
  gnutls_x509_crt_deinit(cert);
  return rc < 0 ? gnutls_strerror(rc) : "";
}

// Empty when `pem` holds an unencrypted private key, else why not.
std::string KeyProblem(const std::string& pem) {
  gnutls_x509_privkey_t key;
  if (gnutls_x509_privkey_init(&key) < 0) return "out of memory";
  const gnutls_datum_t datum = Datum(pem);
  const int rc = gnutls_x509_privkey_import2(key, &datum, GNUTLS_X509_FMT_PEM,
                                             nullptr, GNUTLS_PKCS_PLAIN);
  gnutls_x509_privkey_deinit(key);
  return rc < 0 ? gnutls_strerror(rc) : "";
}

}  // namespace

absl::StatusOr<TlsCredentials> LoadTlsCredentials(const HttpTlsOptions& tls) {
  if (tls.key_file.empty()) {
    return absl::FailedPreconditionError(
        "a TLS certificate needs its private key file");
  }
  TlsCredentials credentials;
  absl::StatusOr<std::string> text =
      tls::ReadPemFile(tls.cert_file, "TLS certificate");
  if (!text.ok()) return text.status();
  credentials.cert_pem = *std::move(text);
  text = tls::ReadPemFile(tls.key_file, "TLS private key");
  if (!text.ok()) return text.status();
  credentials.key_pem = *std::move(text);

  if (const std::string problem = CertificateProblem(credentials.cert_pem);
      !problem.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("TLS certificate \"", tls.cert_file,
                     "\" holds no PEM certificate: ", problem));
  }
  if (const std::string problem = KeyProblem(credentials.key_pem);
      !problem.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("TLS private key \"", tls.key_file,
                     "\" holds no unencrypted PEM private key: ", problem));
  }
  gnutls_certificate_credentials_t check;
  if (gnutls_certificate_allocate_credentials(&check) < 0) {
    return absl::ResourceExhaustedError("cannot allocate TLS credentials");
  }
  const gnutls_datum_t cert = Datum(credentials.cert_pem);
  const gnutls_datum_t key = Datum(credentials.key_pem);
  const int key_rc = gnutls_certificate_set_x509_key_mem2(
      check, &cert, &key, GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN);
  int ca_count = 0;
  if (key_rc >= 0 && !tls.client_ca_file.empty()) {
    text = tls::ReadPemFile(tls.client_ca_file, "client CA file");
    if (!text.ok()) {
      gnutls_certificate_free_credentials(check);
      return text.status();
    }
    credentials.client_ca_pem = *std::move(text);
    const gnutls_datum_t ca = Datum(credentials.client_ca_pem);
    ca_count =
        gnutls_certificate_set_x509_trust_mem(check, &ca, GNUTLS_X509_FMT_PEM);
  }
  gnutls_certificate_free_credentials(check);
  if (key_rc < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("TLS private key \"", tls.key_file,
                     "\" does not match the certificate \"", tls.cert_file,
                     "\": ", gnutls_strerror(key_rc)));
  }
  if (!tls.client_ca_file.empty() && ca_count <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("client CA file \"", tls.client_ca_file,
                     "\" holds no PEM certificate"));
  }
  return credentials;
}

void RequireClientCertificate(void* session) {
  auto* tls_session = static_cast<gnutls_session_t>(session);
  // libmicrohttpd only requests a certificate (and verifies nothing) when
  // given a trust list; require one and let GnuTLS verify it during the
  // handshake, against that list, with no host name to match.
  gnutls_certificate_server_set_request(tls_session, GNUTLS_CERT_REQUIRE);
  gnutls_session_set_verify_cert(tls_session, nullptr, 0);
}

}  // namespace ndes::http_server::internal
