#pragma once
// What the master tells a service manager (systemd's Type=notify) about itself, and when: STATUS
// while the application loads; READY=1 once every worker serves (after a reload: once the new
// generation serves and the old one no longer accepts, when --reload returns); STATUS= lines with
// the worker count, sent when the text changes and at most once a second; RELOADING=1 with
// MONOTONIC_USEC when a reload starts, READY=1 when it ends (also when it is refused: the running
// workers go on serving); STOPPING=1 on stop; WATCHDOG=1 every WATCHDOG_USEC / 2, from the
// arbiter's loop, so a stuck loop sends none. MAINPID= goes with READY=1 when the master is not the
// process the manager started (daemonize). Time is an argument: the unit tests drive it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "os/sd_notify.h"

namespace appserver {

class ServiceNotify {
public:
    using Clock = std::chrono::steady_clock;
    using Sink = std::function<bool(std::string_view)>;
    struct Settings {
        std::uint64_t watchdog_us = 0;  // WATCHDOG_USEC for this process; 0: no pings
        pid_t main_pid = 0;             // sent as MAINPID= with READY=1; 0: not sent
    };

    // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Without NOTIFY_SOCKET every call is a no-op.
    static ServiceNotify from_environment(bool daemonized);
    // Sends through `sink` (the unit tests capture the messages); null: through the notifier.
    ServiceNotify(Sink sink, Settings settings);
    ServiceNotify() = default;

    bool active() const { return static_cast<bool>(sink_) || notifier_.active(); }

    void loading();
    // Every worker of this generation serves (or a reload finished): READY=1 and the status.
    void ready(Clock::time_point now, const std::string& status);
    void reloading(std::string_view why);
    // The reload did not happen: the running workers serve on.
    void reload_failed(Clock::time_point now, std::string_view reason);
    void stopping();
    // Once per arbiter turn: the watchdog ping when due; the status when due and changed
    // (`status` is asked only then).
    void tick(Clock::time_point now, const std::function<std::string()>& status);
    // How long the arbiter may sleep before the next watchdog ping is due.
    Clock::duration until_due(Clock::time_point now) const;
    // In a forked child: never speaks for the master.
    void close_in_child();

private:
    bool send(const std::string& message);

    Sink sink_;
    sd::Notifier notifier_;
    Settings settings_;
    enum class State { starting, serving, reloading, stopping } state_ = State::starting;
    std::string last_status_;
    Clock::time_point last_status_at_{};
    Clock::time_point next_ping_{};
};

// "2 workers, 1 busy" (what the arbiter reports; systemctl status shows it).
std::string worker_status_line(int workers, int busy);

}  // namespace appserver
