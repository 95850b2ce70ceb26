#include "os/fork_count.h"

#include <pthread.h>

#include <atomic>

namespace appserver {
namespace {

std::atomic<std::uint64_t> g_forks{0};
std::atomic<bool> g_installed{false};

void after_fork_in_parent() { g_forks.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

void count_forks() {
    if (g_installed.exchange(true)) return;
    ::pthread_atfork(nullptr, after_fork_in_parent, nullptr);
}

std::uint64_t forks_so_far() { return g_forks.load(std::memory_order_relaxed); }

}  // namespace appserver
