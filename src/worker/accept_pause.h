#pragma once
// What a worker does when accept() fails for want of file descriptors (EMFILE, ENFILE) or kernel
// memory (ENOBUFS, ENOMEM): the connection stays queued and the listening socket stays readable,
// so a level-triggered loop would retry at once, forever, logging each failure (both workers at
// 100% CPU and ~100 MB/s of log). Instead the worker stops watching the listeners until one of its
// connections closes or a short pause ends, whichever comes first, and logs once per interval.
// Time is passed in, so the decisions are tested without sleeping.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace appserver {

class AcceptPause {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kPause{200};
    static constexpr std::chrono::seconds kReportEvery{10};

    // accept() failed at `now` with `open` connections held: pause. True when this refusal is to
    // be logged; unreported() then tells how many were not logged since the previous report.
    bool refuse(Clock::time_point now, std::size_t open);
    std::uint64_t unreported() const { return unreported_; }

    bool active() const { return active_; }
    // Whether to watch the listeners again: the pause is over, or a connection was closed since.
    bool should_resume(Clock::time_point now, std::size_t open) const;
    void resume() { active_ = false; }
    // How long the event loop may sleep: until the pause ends, at most `longest_ms`.
    int wait_ms(Clock::time_point now, int longest_ms) const;

private:
    bool active_ = false;
    Clock::time_point until_{};
    std::size_t open_at_refusal_ = 0;
    bool reported_ever_ = false;
    Clock::time_point last_report_{};
    std::uint64_t refused_since_report_ = 0;
    std::uint64_t unreported_ = 0;
};

}  // namespace appserver
