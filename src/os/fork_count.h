#pragma once
// How many times this process has forked, whoever asked (the application's os.fork, a C library,
// multiprocessing): a pthread_atfork handler counts them once count_forks() has run. A worker
// uses it to know whether a child might hold a copy of a client's socket.

#include <cstdint>

namespace appserver {

// Installs the counting handler (once per process; later calls do nothing).
void count_forks();
// Forks since count_forks() (0 before it).
std::uint64_t forks_so_far();

// forked_by_application() and leave_forked_child() are declared in appserver/app_runtime.h (the
// plugins use them) and defined in fork_count.cpp.

}  // namespace appserver
