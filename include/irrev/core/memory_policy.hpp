#pragma once
/// How a long-running rank takes memory from the system. Call once, first thing in main().

namespace irrev::core {

/// Keep freed memory in the process for the next batch instead of giving it back to the
/// system at once (glibc's malloc; elsewhere a no-op). Why: every batch of the attack allocates
/// and frees the same large activations (a 112 x 112 x 64 feature map of 32 images is 100 MB),
/// and glibc serves allocations over 32 MB with a fresh mmap and returns the heap's free top
/// past its trim threshold: each batch then faults its activations in page by page. On a
/// virtual machine where a page fault is dear, that cost the quickstart's plain attack three
/// quarters of its time (70 against 300 samples/s, bench/RESULTS.md). Free memory above 1 GB
/// is still returned. A user's own MALLOC_MMAP_MAX_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_ or
/// GLIBC_TUNABLES=glibc.malloc.* is left as set. Returns a line for the log.
const char* keep_freed_memory();

}  // namespace irrev::core
