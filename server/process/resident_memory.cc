#include "process/resident_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace ndes::process {

std::uint64_t ResidentMemoryBytes() {
  const int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[128];
  const ssize_t size = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (size <= 0) return 0;
  text[size] = '\0';
  unsigned long long total_pages = 0;
  unsigned long long resident_pages = 0;
  if (std::sscanf(text, "%llu %llu", &total_pages, &resident_pages) != 2) {
    return 0;
  }
  return resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace ndes::process
