#pragma once
// The mules: processes beside the workers that run a script or a message loop (uWSGI's mules).
// One unit beside the arbiter: it forks them once the master runs, starts one again when it exits
// (with back-off when it keeps dying at start), stops them with the server and hands them over on a
// reload. The queues they read are made before any fork (master/mule_queues.*).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "appserver/app_runtime.h"
#include "os/file_watch.h"

namespace appserver {

class Mules {
public:
    using Clock = std::chrono::steady_clock;

    // `runtime` null: a degraded master that forks nothing. Mules come from MuleQueues::current().
    Mules(AppRuntime* runtime, bool auto_procname, std::string procname_prefix);
    // Run in each new mule right after fork: closes what it must not hold (listening sockets, the
    // workers' ready pipe, the stats server).
    void set_child_cleanup(std::function<void()> cleanup) { child_cleanup_ = std::move(cleanup); }

    // Starts the mules that are due (the first time: all), or after a stop, kills those past their
    // mercy. Call on every turn of the master's loop.
    void tick(Clock::time_point now);
    // True when `pid` was a mule (then it is started again in a later tick unless stopping).
    bool on_child_exit(pid_t pid, int status, Clock::time_point now);
    // SIGTERM to every mule; SIGKILL after mule-reload-mercy (graceful) or 3 s.
    void stop(bool graceful, Clock::time_point now);
    void kill_all();
    // A reload re-executes the master: the mules are told to stop and forgotten here; the new image
    // reaps them (as workers of the previous generation) and starts its own.
    std::vector<pid_t> hand_over_for_reload();
    int alive() const;

private:
    void check_touched(Clock::time_point now);
    struct Mule {
        int id = 0;
        std::string program;
        pid_t pid = 0;
        Clock::time_point started{};
        Clock::time_point next_spawn{};
        int quick_exits = 0;      // consecutive exits within kSettle of the start
        bool restarting = false;  // told to stop by touch-mules-reload: started again at once
    };
    void spawn(Mule& mule, Clock::time_point now);
    [[noreturn]] void run_mule_process(const Mule& mule);

    AppRuntime* runtime_;
    bool auto_procname_;
    std::string procname_prefix_;
    std::function<void()> child_cleanup_;
    std::vector<Mule> mules_;
    pid_t master_pid_ = 0;
    bool stopping_ = false;
    Clock::time_point kill_at_{};
    bool killed_ = false;
    FileWatch touch_watch_;  // touch-mules-reload
    Clock::time_point next_touch_check_{};
};

}  // namespace appserver
