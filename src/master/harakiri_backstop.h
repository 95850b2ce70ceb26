#pragma once
// The master's harakiri backstop. A worker's own watchdog (src/worker/harakiri.*) answers 504 and
// ends the worker when a request passes `harakiri`; a worker that is frozen (SIGSTOP, a debugger,
// a stuck watchdog) cannot. The master reads the scoreboard once a second and SIGKILLs a worker
// whose request has run for harakiri + grace, as uWSGI's master does ("HARAKIRI ON WORKER n").

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "os/scoreboard.h"

namespace appserver {

// What the backstop does to processes; tests replace it.
struct BackstopProcessOps {
    std::function<bool(pid_t)> is_live_child;  // a live (not zombie) child of this process
    std::function<void(pid_t)> kill;           // SIGKILL
    static BackstopProcessOps real();
};

class HarakiriBackstop {
public:
    // grace = harakiri / 2, at least 1 s, at most 5 s: the worker's own watchdog (which logs the
    // request and answers 504) always gets the first chance.
    static int grace_s(int harakiri_s);

    HarakiriBackstop() : ops_(BackstopProcessOps::real()) {}
    explicit HarakiriBackstop(BackstopProcessOps ops) : ops_(std::move(ops)) {}

    // Maps the scoreboard (before the first fork) for `processes` workers (with room for more
    // added by SIGTTIN) of `threads` request threads. harakiri_s == 0: the board is made, the
    // backstop never kills.
    void open(int processes, int threads, int harakiri_s);
    // Uses `board` instead (tests).
    void watch(Scoreboard* board, int harakiri_s);

    // At most once a second: kills workers past harakiri + grace. `now` is on the scoreboard's clock.
    void check(std::chrono::steady_clock::time_point now);
    void check_ms(std::int64_t now_ms);
    // The scoreboard (null when it could not be mapped).
    Scoreboard* board() const { return board_; }

private:
    struct Kill {
        pid_t pid = 0;
        std::int64_t started_ms = 0;
        int tries = 0;
    };

    BackstopProcessOps ops_;
    std::unique_ptr<Scoreboard> owned_;
    Scoreboard* board_ = nullptr;
    std::int64_t limit_ms_ = 0;  // 0: off
    int harakiri_s_ = 0;
    std::int64_t next_check_ms_ = 0;
    std::map<int, Kill> kills_;  // by worker id: the last kill, to count tries
};

}  // namespace appserver
