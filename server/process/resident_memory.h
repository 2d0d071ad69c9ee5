// The process's resident memory, as the kernel counts it (what a container
// memory limit is checked against). Cheap: one read of /proc/self/statm.
//
// Thread-safe.
#ifndef NDES_SERVER_PROCESS_RESIDENT_MEMORY_H_
#define NDES_SERVER_PROCESS_RESIDENT_MEMORY_H_

#include <cstdint>

namespace ndes::process {

// Resident bytes now; 0 when /proc cannot be read.
std::uint64_t ResidentMemoryBytes();

}  // namespace ndes::process

#endif  // NDES_SERVER_PROCESS_RESIDENT_MEMORY_H_
