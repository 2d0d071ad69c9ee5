// Invariant checks shared by the fuzz targets. A broken invariant aborts,
// which libFuzzer reports as a crash with the input that caused it.
#ifndef NDES_TESTS_FUZZ_FUZZ_CHECKS_H_
#define NDES_TESTS_FUZZ_FUZZ_CHECKS_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cpprest/json.h"

namespace ndes::fuzz {

// Aborts with `what` unless `condition` holds. (assert() would vanish under
// NDEBUG, which RelWithDebInfo defines.)
inline void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// Parses `text` as JSON without throwing; a null value when it is not JSON.
inline web::json::value ParseJsonOrNull(const std::string& text) {
  std::error_code error;
  web::json::value value = web::json::value::parse(text, error);
  if (error) return web::json::value::null();
  return value;
}

}  // namespace ndes::fuzz

#endif  // NDES_TESTS_FUZZ_FUZZ_CHECKS_H_
