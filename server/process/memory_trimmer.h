// Gives memory the allocator keeps back to the system. glibc's malloc
// returns freed memory to the kernel only from the top of each arena;
// after a burst (a flood of calls, a large List) the freed chunks below
// stay resident, and the process keeps its peak resident size for good
// (measured: 394 MiB resident for 36 MiB in use). A MemoryTrimmer checks
// every `interval` how much the arenas hold free and, past `min_free_bytes`,
// calls malloc_trim(0), which returns the free pages inside the arenas too.
//
// LimitMallocArenas caps glibc's arenas (by default eight per core), each
// of which keeps its own free memory: call it first thing in main, before
// any thread starts. MALLOC_ARENA_MAX, when set, wins.
//
// Thread-safe.
#ifndef NDES_SERVER_PROCESS_MEMORY_TRIMMER_H_
#define NDES_SERVER_PROCESS_MEMORY_TRIMMER_H_

#include <cstddef>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ndes::process {

// At most `arenas` malloc arenas, unless MALLOC_ARENA_MAX says otherwise.
void LimitMallocArenas(int arenas);

class MemoryTrimmer {
 public:
  // Starts the trimming thread.
  explicit MemoryTrimmer(absl::Duration interval = absl::Seconds(1),
                         std::size_t min_free_bytes = 8 << 20);
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;
  // Stops and joins the thread.
  ~MemoryTrimmer();

 private:
  void TrimIfWorthIt() const;

  const std::size_t min_free_bytes_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace ndes::process

#endif  // NDES_SERVER_PROCESS_MEMORY_TRIMMER_H_
