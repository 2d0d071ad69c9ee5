// Pre-generated RSA-2048 private keys (PEM) for JwtMinter. Test use only.
#ifndef NDES_TESTS_SUPPORT_JWT_TEST_KEYS_H_
#define NDES_TESTS_SUPPORT_JWT_TEST_KEYS_H_

namespace ndes::testing {

extern const char* const kRsaTestKeysPem[];
extern const int kRsaTestKeyCount;

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_JWT_TEST_KEYS_H_
