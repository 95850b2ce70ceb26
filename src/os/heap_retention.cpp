#include "os/heap_retention.h"

#include <cstdlib>
#include <string_view>

namespace appserver {
namespace {

bool environment_tunes_malloc() {
    for (const char* name : {"MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_",
                             "MALLOC_MMAP_MAX_"})
        if (std::getenv(name) != nullptr) return true;
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    return tunables != nullptr && std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos;
}

// Called through volatile pointers so that the compiler cannot drop the pair as dead code.
void* (*volatile allocate)(std::size_t) = std::malloc;
void (*volatile release)(void*) = std::free;

}  // namespace

bool keep_freed_heap(std::size_t mmap_below) {
#ifdef __GLIBC__
    if (environment_tunes_malloc()) return false;
    // Rather than mallopt(M_MMAP_THRESHOLD / M_TRIM_THRESHOLD), which would fix both for good and
    // switch the adaptation off: freeing an mmap'd block of this size is what raises glibc's
    // thresholds to it (trim at twice), the documented dynamic rule, which then goes on working.
    void* block = allocate(mmap_below);
    if (block == nullptr) return false;
    release(block);
    return true;
#else
    (void)mmap_below;
    return false;
#endif
}

}  // namespace appserver
