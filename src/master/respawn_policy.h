#pragma once
// When to start a worker again after one exits: at once for a worker that served (or could have:
// it reported ready), with exponential back-off only for one that cannot start. A URL that crashes
// its worker costs one request, never the site; an app that cannot import never forks in a loop.
// Pure: the time is an argument.

#include <chrono>

namespace appserver {

struct WorkerExitFacts {
    bool reported_ready = false;  // the worker wrote its pid to the ready pipe before it died
    bool boot_failed = false;     // exit code kWorkerBootFailed
    std::chrono::steady_clock::time_point started{};  // when this worker was forked
};

// A worker that served and died is replaced at once, but a slot never forks more often than this:
// a worker that reports ready and dies at once every time (a crash in a thread the app starts, a
// request that kills every new worker) forks ten times a second, not in a tight loop.
constexpr std::chrono::milliseconds kMinRespawnInterval{100};

struct RespawnDecision {
    std::chrono::steady_clock::time_point next_spawn;
    int boot_failures = 0;  // consecutive failed starts of this slot, after this exit
    bool backing_off = false;
};

// 250 ms doubling per consecutive failed start, at most 30 s.
std::chrono::milliseconds respawn_backoff(int failures);

RespawnDecision decide_respawn(const WorkerExitFacts& exit, int boot_failures_before,
                               std::chrono::steady_clock::time_point now);

}  // namespace appserver
