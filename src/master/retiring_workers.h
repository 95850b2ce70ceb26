#pragma once
// Workers that no longer hold a slot but may still be finishing requests: recycled (max-requests,
// reload-on-rss), removed (SIGTTOU), or of the previous generation after a reload. Each gets
// worker-reload-mercy seconds, then SIGKILL: a worker stuck in Py_Finalize on a non-daemon thread
// must not live (or pile up across reloads) forever. Pure bookkeeping: the time is an argument.

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace appserver {

class RetiringWorkers {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    // A retiring worker; it must be gone by `kill_at` (an earlier deadline already set wins).
    void add(pid_t pid, TimePoint kill_at);
    // Reaped: forget it. False if it was not one of these.
    bool remove(pid_t pid);
    // Those past their deadline and not yet killed; each is returned once.
    std::vector<pid_t> overdue(TimePoint now);
    std::vector<pid_t> pids() const;
    std::size_t size() const { return workers_.size(); }

private:
    struct Retiree {
        pid_t pid;
        TimePoint kill_at;
        bool killed = false;
    };
    std::vector<Retiree> workers_;
};

}  // namespace appserver
