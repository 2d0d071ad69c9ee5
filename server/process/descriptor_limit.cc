#include "process/descriptor_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ndes::process {

absl::StatusOr<DescriptorLimit> RaiseDescriptorLimit() {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot read the descriptor limit: ", std::strerror(errno)));
  }
  DescriptorLimit result;
  result.before = limit.rlim_cur;
  result.after = limit.rlim_cur;
  if (limit.rlim_cur == limit.rlim_max) return result;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot raise the descriptor limit from ", result.before,
                     " to ", limit.rlim_max, ": ", std::strerror(errno)));
  }
  result.after = limit.rlim_cur;
  return result;
}

}  // namespace ndes::process
