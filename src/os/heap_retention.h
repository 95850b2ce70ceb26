#pragma once
// How much freed heap a worker keeps instead of handing it back to the kernel.
//
// glibc's malloc gives the top of the heap back (brk) as soon as more than 128 KiB of it is free,
// and serves blocks of 128 KiB and more with a fresh mmap each time, until a freed mmap'd block
// teaches it better (its dynamic thresholds, mallopt(3)). A worker reading a request body in 64 KiB
// pieces, or building a response of a few hundred KiB, then gives its pages back after every request
// and page-faults them in again on the next one (8 faults per 1 MiB POST, about a sixth of the
// worker's time there). keep_freed_heap starts those thresholds where a warmed-up worker would
// have them, and glibc keeps adapting them upward as before.

#include <cstddef>

namespace appserver {

// Blocks under `mmap_below` come from the heap, and up to twice that stays mapped once freed
// (glibc's own ratio). Does nothing when the environment tunes malloc (MALLOC_*_ variables,
// GLIBC_TUNABLES with malloc settings), or with another C library. Returns whether it acted.
bool keep_freed_heap(std::size_t mmap_below);

// The size a worker uses: a request body piece (64 KiB) and a typical response fit well below it.
inline constexpr std::size_t kWorkerHeapBlock = std::size_t{1} << 20;

}  // namespace appserver
