#include "irrev/core/memory_policy.hpp"

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace irrev::core {

const char* keep_freed_memory() {
#if defined(__GLIBC__)
  for (const char* user : {"MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"})
    if (std::getenv(user) != nullptr) return "malloc: the environment's MALLOC_* settings";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr)
    return "malloc: the environment's GLIBC_TUNABLES";
  constexpr int kTrimAbove = 1 << 30;  // free memory past this at the heap's top goes back
  constexpr int kGrowBy = 64 << 20;    // the heap grows by at least this much at a time
  const bool ok =
      mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimAbove) == 1 && mallopt(M_TOP_PAD, kGrowBy) == 1;
  return ok ? "malloc: freed memory kept for reuse (no mmap per allocation, trimmed past 1 GB)"
            : "malloc: glibc refused the reuse settings; its defaults stay";
#else
  return "malloc: the C library's defaults";
#endif
}

}  // namespace irrev::core
