#pragma once
// Every signal of the master and its workers, in one place. The whole story:
//
// Master. Every signal whose default action would end (or core-dump) the master, except the
// synchronous faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP) and what cannot be
// caught (SIGKILL, SIGSTOP), is caught by one handler that only writes the signal number to a
// self-pipe, and only when getpid() is the master's (Unicorn's belt: a child that has not reset its
// handlers yet must not speak for the master). The arbiter's loop reads the pipe and handles each
// signal in one place: `master_signal_table` gives the action, the CLI verb and the docs
// (docs/signals.md is generated from it); any other caught signal is ignored, logged at debug level.
// The queue is installed first thing in run_server, before the app import, so a signal during
// start-up or a reload waits its turn instead of killing the master.
//
// Fork (fork_child). Every signal is blocked before fork (nginx), so no handler can run in the child
// before it has put the master's dispositions back to default and closed the self-pipe; a worker
// then installs its own handlers, and only then is the mask restored.
//
// Exec (a reload re-executes the master). The caught signals are blocked before execve
// (block_for_exec); the mask survives exec, so a signal that arrives while the new image starts is
// kept pending until that image installs its queue, then handled by its arbiter (a HUP during a
// reload: one more reload after it).
//
// Worker. SIGTERM (graceful: finish in-flight requests, then exit) and SIGUSR1 (reopen logs) set
// flags, and are blocked except inside epoll_pwait, so the loop sees them between requests, never
// in the middle of a write. SIGINT and SIGQUIT end the worker at once, also mid-request. SIGHUP,
// SIGPIPE and SIGXFSZ are ignored (a log file at its size limit loses lines, not the worker).
// Everything else has its default action.

#include <poll.h>
#include <signal.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"

namespace appserver {

enum class MasterAction {
    reap,
    graceful_stop,
    immediate_stop,
    reload,
    reopen_logs,
    add_worker,
    remove_worker,
    dump_stats
};

struct SignalEntry {
    int signal;
    std::string_view name;
    MasterAction action;
    std::string_view cli_verb;  // "--stop", "--reload", or empty
    std::string_view meaning;
    std::string_view uwsgi_meaning;     // what the same signal does to a uWSGI master
    std::string_view gunicorn_meaning;  // ... and to a Gunicorn arbiter
};

const std::vector<SignalEntry>& master_signal_table();
const SignalEntry* find_signal(int signal);
// Caught by the master only so that they cannot end it: every signal whose default action
// terminates the process, minus the table's, the synchronous faults and SIGKILL/SIGSTOP.
const std::vector<int>& ignored_master_signals();
// "SIGUSR2", "SIGRTMIN+3", ...
std::string signal_name(int signal);

// docs/signals.md, generated from the table (a unit test keeps the file in step).
std::string render_signals_markdown();

// The master's queue. Construct it in the master process (after daemonizing): it installs the
// handler for every signal of the table and every ignored one, ignores SIGPIPE, then unblocks
// them (they may have been blocked across the execve of a reload).
class SignalQueue {
public:
    SignalQueue();
    ~SignalQueue();
    SignalQueue(const SignalQueue&) = delete;
    SignalQueue& operator=(const SignalQueue&) = delete;

    // Waits up to timeout_ms for a signal (or for `also_readable` to become readable); returns the
    // signals received, oldest first.
    std::vector<int> wait(int timeout_ms, int also_readable = -1);
    // The same, also waking for any of `extra` (their revents are filled in).
    std::vector<int> wait(int timeout_ms, int also_readable, std::vector<pollfd>& extra);

private:
    UniqueFd read_end_;
    UniqueFd write_end_;
};

enum class ChildRole { plain, worker };

// fork(2) with every signal blocked across it. In the child the master's handlers are back to
// default and the self-pipe is closed; a worker has its own handlers installed; then the mask of
// before the fork is restored (plus what a worker keeps blocked). Returns what fork returns.
pid_t fork_child(ChildRole role);

// Before execve of a new master image: blocks every signal the master catches (they stay pending
// across exec until the new image's SignalQueue). Returns the mask to restore if execve fails.
sigset_t block_for_exec();
void restore_signal_mask(const sigset_t& mask);

// The worker's side (installed by fork_child(ChildRole::worker)).
// True once SIGTERM asked for a graceful stop.
bool worker_stop_requested();
// True once per SIGUSR1: the worker reopens its log.
bool worker_take_reopen_logs();

}  // namespace appserver
