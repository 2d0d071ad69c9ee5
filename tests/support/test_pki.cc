#include "support/test_pki.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace ndes::testing {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Cert = std::unique_ptr<X509, X509Deleter>;

Pkey NewKey() { return Pkey(EVP_EC_gen("P-256")); }

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  ASSERT_NE(extension, nullptr) << "bad extension " << value;
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

// A certificate for `subject_key` named `common_name`, signed by
// `issuer_key` as `issuer` (itself when null).
Cert NewCertificate(EVP_PKEY* subject_key, const std::string& common_name,
                    EVP_PKEY* issuer_key, X509* issuer, bool is_ca,
                    const std::vector<std::string>& alt_names) {
  static long serial = 1;
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(
      cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (is_ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage,
                 "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage,
                 "critical,digitalSignature");
    AddExtension(cert.get(), signer, NID_ext_key_usage,
                 "serverAuth,clientAuth");
    if (!alt_names.empty()) {
      AddExtension(cert.get(), signer, NID_subject_alt_name,
                   absl::StrJoin(alt_names, ","));
    }
  }
  X509_sign(cert.get(), issuer_key, EVP_sha256());
  return cert;
}

}  // namespace

struct TestCertificateAuthority::Key {
  Pkey key;
  Cert cert;
};

TestCertificateAuthority::TestCertificateAuthority(const std::string& name)
    : key_(std::make_unique<Key>()) {
  key_->key = NewKey();
  key_->cert = NewCertificate(key_->key.get(), name, key_->key.get(), nullptr,
                              /*is_ca=*/true, {});
  self_.cert_pem = CertPem(key_->cert.get());
  self_.key_pem = KeyPem(key_->key.get());
}

TestCertificateAuthority::~TestCertificateAuthority() = default;

CertificateAndKey TestCertificateAuthority::Issue(
    const std::string& common_name, const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ip_addresses) const {
  std::vector<std::string> alt_names;
  for (const std::string& dns : dns_names) alt_names.push_back("DNS:" + dns);
  for (const std::string& ip : ip_addresses) alt_names.push_back("IP:" + ip);
  Pkey key = NewKey();
  Cert cert = NewCertificate(key.get(), common_name, key_->key.get(),
                             key_->cert.get(), /*is_ca=*/false, alt_names);
  return {CertPem(cert.get()), KeyPem(key.get())};
}

void WriteTextFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

}  // namespace ndes::testing
