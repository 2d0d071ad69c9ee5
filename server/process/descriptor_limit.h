// The process's descriptor limit (RLIMIT_NOFILE). Every client connection
// takes a descriptor; many distributions start services with a soft limit
// of 1024 under a much higher hard limit, which a few hundred idle clients
// exhaust. The gateway raises its soft limit to the hard one at start.
//
// Thread-safe (the limit is the process's).
#ifndef NDES_SERVER_PROCESS_DESCRIPTOR_LIMIT_H_
#define NDES_SERVER_PROCESS_DESCRIPTOR_LIMIT_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace ndes::process {

struct DescriptorLimit {
  // The soft limit before and after; equal when it was at the hard limit
  // already.
  std::uint64_t before = 0;
  std::uint64_t after = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit. INTERNAL with the
// system's reason when the limit cannot be read or set.
absl::StatusOr<DescriptorLimit> RaiseDescriptorLimit();

}  // namespace ndes::process

#endif  // NDES_SERVER_PROCESS_DESCRIPTOR_LIMIT_H_
