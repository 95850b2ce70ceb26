#pragma once
// attach-daemon & co. (docs/processes.md): external commands the master starts once the workers
// serve, restarts when they die (with back-off when they die at once), and stops with the server.
// uWSGI's semantics (core/daemons.c): a "dumb" daemon stays in the foreground and is watched
// through waitpid; a "smart" one is followed through its pidfile, checked once a second, and is
// left running when the server stops or reloads (unless notifypid) so the next image adopts it.
// On reload the dumb daemons are stopped before the master re-executes, and started again by the
// new image. Each daemon runs in its own session (setsid), so its whole process group gets the
// signals.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/daemon_spec.h"
#include "os/file_watch.h"

namespace appserver {

class AttachedDaemons {
public:
    using Clock = std::chrono::steady_clock;

    explicit AttachedDaemons(std::vector<DaemonSpec> specs = {});
    bool empty() const { return daemons_.empty(); }

    // Once the workers serve: starts each daemon (a smart one whose pidfile names a live process
    // is adopted instead).
    void start(Clock::time_point now);
    // A child of the master ended: true when it was one of these daemons (a dumb one is started
    // again, after a back-off when it ran less than a few seconds).
    bool on_exit(pid_t pid, int status, Clock::time_point now);
    // Respawns that are due, pidfile checks (once a second), touched files.
    void tick(Clock::time_point now);

    // Server stop: the stop signal to every dumb daemon's process group (and to notifypid smart
    // ones); running() then counts those not yet reaped; kill_remaining() after the mercy.
    void begin_stop();
    int running() const;
    void kill_remaining();
    // Before the master re-executes itself (uWSGI's order): dumb daemons get their reload (else
    // stop) signal, notifypid smart daemons theirs (SIGHUP by default). The master's loop goes on
    // meanwhile; on_exit() notes each dumb daemon that ends, and nothing is started again until
    // resume_after_failed_reload(). True when a dumb daemon is still to end (running() > 0).
    bool begin_reload_stop();
    // The reload's wait is over: any dumb daemon still running is killed and reaped.
    void kill_remaining_for_reload();
    // The re-exec failed: this image goes on and tick() starts the stopped daemons again.
    void resume_after_failed_reload();

private:
    struct Daemon {
        DaemonSpec spec;
        pid_t pid = 0;          // the child we forked (dumb: the daemon itself), 0 when none
        pid_t tracked_pid = 0;  // smart: the pid its pidfile names
        bool started_once = false;
        bool monitored = false;  // smart: its pidfile was seen naming a live process
        int pidfile_checks = 0;
        int failures = 0;  // consecutive runs shorter than kShortRun
        Clock::time_point spawned{};
        Clock::time_point next_spawn{};
        bool respawn_due = false;
        FileWatch touch;
    };

    void spawn(Daemon& d, Clock::time_point now);
    static void kill_daemon(const Daemon& d, const char* when);  // SIGKILL, group and pid, with a warning
    void check_pidfile(Daemon& d, Clock::time_point now);
    void schedule_respawn(Daemon& d, Clock::time_point now, bool short_run);
    [[noreturn]] static void exec_child(const DaemonSpec& spec);

    std::vector<Daemon> daemons_;
    bool stopping_ = false;
    bool reloading_ = false;  // between begin_reload_stop() and the re-exec (or its failure)
    Clock::time_point next_check_{};
};

}  // namespace appserver
