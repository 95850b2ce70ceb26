#pragma once
// The body of one spooler process (uWSGI's spooler(): core/spooler.c). Forked by the master
// (master/spoolers) after the app is loaded, so functions the app registers at import are known.
// Every spooler-frequency seconds, and at once when woken (SIGUSR1, sent by uwsgi.spool() in any
// process, as uWSGI does), it scans its directory, takes each due task under a lock, runs it through
// the runtime and deletes it on SPOOL_OK. SIGTERM: finish the current task, then exit (a stop or a
// reload); SIGINT/SIGQUIT: exit at once.

#include <functional>
#include <string>

#include "appserver/app_runtime.h"

namespace appserver::spool {

inline constexpr int kSpoolerDefaultFrequency = 30;  // seconds, as uWSGI
// Exit codes the master reads (master/spoolers).
inline constexpr int kSpoolerExited = 0;     // stopped, or recycled after spooler-max-tasks
inline constexpr int kSpoolerBroken = 1;     // its directory went away (uWSGI exits too)

struct SpoolerProcessSettings {
    std::string dir;  // real path
    int frequency_s = kSpoolerDefaultFrequency;
    std::string chdir;  // spooler-chdir: before each task
    int max_tasks = 0;  // spooler-max-tasks: exit (and be respawned) after this many tasks
    bool ordered = false;
    int harakiri_s = 0;  // spooler-harakiri: SIGALRM ends a task that runs longer
    bool quiet = false;  // spooler-quiet
    pid_t master_pid = 0;
    // Hook for the signal dispatcher (uWSGI's spooler_signal_pipe): when >= 0, the spooler also
    // waits on this fd and calls on_signal_channel when it is readable, between tasks.
    int signal_channel_fd = -1;
    std::function<void()> on_signal_channel;
};

// Runs the spooler loop; returns the process's exit code. The caller has forked (ChildRole::plain)
// and set up the runtime (set_worker, after_fork_child).
int run_spooler(const SpoolerProcessSettings& settings, AppRuntime& runtime);

}  // namespace appserver::spool
