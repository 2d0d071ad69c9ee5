// A throw-away certificate authority for TLS tests: a self-signed CA and
// leaf certificates it signs, all with EC P-256 keys, as PEM.
//
//   TestCertificateAuthority ca("test CA");
//   CertificateAndKey server = ca.Issue("localhost", {"localhost"},
//                                       {"127.0.0.1"});
//   WriteTextFile(dir + "/server.pem", server.cert_pem);
#ifndef NDES_TESTS_SUPPORT_TEST_PKI_H_
#define NDES_TESTS_SUPPORT_TEST_PKI_H_

#include <memory>
#include <string>
#include <vector>

namespace ndes::testing {

struct CertificateAndKey {
  std::string cert_pem;
  std::string key_pem;
};

class TestCertificateAuthority {
 public:
  explicit TestCertificateAuthority(const std::string& name);
  ~TestCertificateAuthority();

  const std::string& cert_pem() const { return self_.cert_pem; }

  // A certificate for `common_name`, valid from an hour ago for a day, with
  // `dns_names` and `ip_addresses` as subject alternative names, usable for
  // both TLS servers and clients.
  CertificateAndKey Issue(
      const std::string& common_name,
      const std::vector<std::string>& dns_names = {},
      const std::vector<std::string>& ip_addresses = {}) const;

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  CertificateAndKey self_;
};

// Writes `contents` to `path` (replacing it); fails the test on error.
void WriteTextFile(const std::string& path, const std::string& contents);

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_TEST_PKI_H_
