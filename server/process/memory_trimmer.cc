#include "process/memory_trimmer.h"

#include <malloc.h>
#include <pthread.h>

#include <cstdlib>

namespace ndes::process {

void LimitMallocArenas(int arenas) {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, arenas);
}

MemoryTrimmer::MemoryTrimmer(absl::Duration interval,
                             std::size_t min_free_bytes)
    : min_free_bytes_(min_free_bytes) {
  thread_ = std::thread([this, interval] {
    pthread_setname_np(pthread_self(), "memory-trimmer");
    while (!stop_.WaitForNotificationWithTimeout(interval)) TrimIfWorthIt();
  });
}

MemoryTrimmer::~MemoryTrimmer() {
  stop_.Notify();
  thread_.join();
}

void MemoryTrimmer::TrimIfWorthIt() const {
  // fordblks: the bytes the arenas hold free (all arenas together).
  const struct mallinfo2 info = mallinfo2();
  if (info.fordblks >= min_free_bytes_) malloc_trim(0);
}

}  // namespace ndes::process
