#pragma once
// The master's spooler processes (uWSGI's spooler_start and its respawn in the master loop), a unit
// beside the arbiter: one process per `spooler` directory (times spooler-processes), forked after
// the app is loaded, respawned when it dies (at once after it ran a while or recycled itself,
// with back-off when it keeps dying at start), stopped with the server. On a reload the running
// spoolers are handed to the new image as retiring processes (they finish their task on SIGTERM)
// while the new image starts its own; the task locks keep the two from running one task twice.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "appserver/app_runtime.h"
#include "spool/spooler_process.h"
#include "os/unique_fd.h"
#include "stats/snapshot.h"

namespace appserver {

struct SpoolerSettings {
    std::vector<std::string> dirs;  // real paths, one per process (spooler-processes expanded)
    int frequency_s = spool::kSpoolerDefaultFrequency;
    std::string chdir;
    int max_tasks = 0;
    bool ordered = false;
    int harakiri_s = 0;
    bool quiet = false;
};

class Spoolers {
public:
    // `in_child` runs first in each forked spooler: the arbiter closes what a spooler must not hold
    // (listening sockets, the ready pipe, the stats server).
    Spoolers(SpoolerSettings settings, std::function<void()> in_child)
        : settings_(std::move(settings)), in_child_(std::move(in_child)) {}

    // Forks the spoolers that are due (none running, back-off over). `runtime` is the master's.
    void manage(AppRuntime& runtime, pid_t master_pid, bool lazy_apps, const std::string& procname_prefix,
                bool auto_procname);
    // A reaped child: true when it was one of ours (then its slot is due again).
    bool on_child_exit(pid_t pid, int status, bool stopping);
    // SIGTERM (graceful: finish the current task) or SIGINT (at once) to every spooler; SIGKILL.
    void signal_all(int sig) const;
    // After the master reopened or rotated the log: the spoolers reopen theirs (SIGHUP).
    void reopen_logs() const { signal_all(SIGHUP); }
    int alive() const;
    std::vector<pid_t> pids() const;
    // For the stats server.
    std::vector<stats::SpoolerSnapshot> snapshot() const;
    // The "spooler" target of uWSGI signals: one channel every spooler process waits on (the first
    // to read a signal runs its handler). Made on first call (before the spoolers fork); the master
    // writes one byte per signal at the returned end. -1: no spooler, or the socketpair failed.
    int signal_channel();

private:
    using Clock = std::chrono::steady_clock;
    struct Slot {
        pid_t pid = 0;
        Clock::time_point started{};
        Clock::time_point next_spawn{};
        int failures = 0;
        bool spawned = false;  // forked before: the next fork is a respawn
    };
    [[noreturn]] void run_child(std::size_t index, AppRuntime& runtime, pid_t master_pid, bool lazy_apps,
                                const std::string& title);

    SpoolerSettings settings_;
    std::function<void()> in_child_;
    UniqueFd signal_master_end_, signal_spooler_end_;
    std::vector<Slot> slots_ = std::vector<Slot>(settings_.dirs.size());
};

}  // namespace appserver
