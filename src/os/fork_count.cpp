#include "os/fork_count.h"

#include "appserver/app_runtime.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cstdio>

namespace appserver {
namespace {

std::atomic<std::uint64_t> g_forks{0};
std::atomic<bool> g_installed{false};

std::atomic<bool> g_forked_child{false};

void after_fork_in_parent() { g_forks.fetch_add(1, std::memory_order_relaxed); }
void after_fork_in_child() { g_forked_child.store(true, std::memory_order_relaxed); }

}  // namespace

void count_forks() {
    if (g_installed.exchange(true)) return;
    ::pthread_atfork(nullptr, after_fork_in_parent, after_fork_in_child);
}

bool forked_by_application() { return g_forked_child.load(std::memory_order_relaxed); }

void leave_forked_child(int status) {
    // Straight to fd 2 (async-signal-safe, no logger state shared with the parent).
    char line[256];
    int n = std::snprintf(line, sizeof line,
                          "process %d, forked by the application, returned into the server: it exits here "
                          "(status %d); end such a child with os._exit()\n",
                          static_cast<int>(::getpid()), status);
    if (n > 0) [[maybe_unused]] ssize_t w = ::write(2, line, static_cast<std::size_t>(std::min(n, 255)));
    ::_exit(status);
}

std::uint64_t forks_so_far() { return g_forks.load(std::memory_order_relaxed); }

}  // namespace appserver
