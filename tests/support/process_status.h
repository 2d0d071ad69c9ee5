// Memory figures of a running process, from /proc/PID/status, for tests
// that bound what a process may hold.
#ifndef NDES_TESTS_SUPPORT_PROCESS_STATUS_H_
#define NDES_TESTS_SUPPORT_PROCESS_STATUS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/strings/string_view.h"

namespace ndes::testing {

// Whether this build runs under AddressSanitizer, whose shadow memory and
// quarantine make a process's memory figures say nothing of its own use.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// The field `name` of /proc/`pid`/status ("VmRSS", "VmHWM"), in bytes; -1
// when the process or the field is missing.
std::int64_t ProcessStatusBytes(pid_t pid, absl::string_view name);

// Resets the process's peak resident size (VmHWM) to its current one.
// False when the kernel refuses.
bool ResetPeakResident(pid_t pid);

}  // namespace ndes::testing

#endif  // NDES_TESTS_SUPPORT_PROCESS_STATUS_H_
