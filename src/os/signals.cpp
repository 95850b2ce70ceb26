#include "os/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>

#include "log/log.h"

namespace appserver {
namespace {

// The master's self-pipe and pid, read by the handler (plain ints: async-signal-safe).
int g_write_fd = -1;
int g_read_fd = -1;
pid_t g_master_pid = 0;

void on_master_signal(int sig) {
    // A child between fork and the reset of its handlers (one the app forked, say) shares the pipe:
    // what it receives is not the master's.
    if (::getpid() != g_master_pid || g_write_fd < 0) return;
    int saved = errno;
    unsigned char byte = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = ::write(g_write_fd, &byte, 1);
    errno = saved;
}

volatile std::sig_atomic_t g_worker_stop = 0;
volatile std::sig_atomic_t g_worker_reopen = 0;

void on_worker_graceful(int) { g_worker_stop = 1; }
// Immediate shutdown means now, also in the middle of a request: nothing is left to finish.
void on_worker_immediate(int) { ::_exit(0); }
void on_worker_reopen(int) { g_worker_reopen = 1; }

// Only EINVAL can fail it (a signal number the kernel does not know): the caller logs, where it may.
bool set_disposition(int sig, void (*handler)(int), bool mask_all) {
    struct sigaction sa {};
    if (mask_all) sigfillset(&sa.sa_mask);
    else sigemptyset(&sa.sa_mask);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    return ::sigaction(sig, &sa, nullptr) == 0;
}

// Every signal the master catches.
sigset_t master_caught_set() {
    sigset_t set;
    sigemptyset(&set);
    for (const auto& e : master_signal_table()) sigaddset(&set, e.signal);
    for (int sig : ignored_master_signals()) sigaddset(&set, sig);
    return set;
}

void reset_master_dispositions() {
    for (const auto& e : master_signal_table()) set_disposition(e.signal, SIG_DFL, false);
    for (int sig : ignored_master_signals()) set_disposition(sig, SIG_DFL, false);
}

// Installs the worker's handlers and adds to `mask` what the worker keeps blocked outside
// epoll_pwait.
void install_worker_signal_handlers(sigset_t& mask) {
    set_disposition(SIGTERM, on_worker_graceful, false);
    set_disposition(SIGINT, on_worker_immediate, false);
    set_disposition(SIGQUIT, on_worker_immediate, false);
    set_disposition(SIGUSR1, on_worker_reopen, false);
    set_disposition(SIGPIPE, SIG_IGN, false);
    set_disposition(SIGHUP, SIG_IGN, false);
    // A log file at RLIMIT_FSIZE: the write fails with EFBIG and the line is lost (as on a full
    // disk), instead of every logged line killing the worker.
    set_disposition(SIGXFSZ, SIG_IGN, false);
    // Delivered only inside epoll_pwait: the loop sees them between requests, never mid-syscall.
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGUSR1);
}

}  // namespace

const std::vector<SignalEntry>& master_signal_table() {
    static const std::vector<SignalEntry> table = {
        {SIGTERM, "SIGTERM", MasterAction::graceful_stop, "--stop PIDFILE",
         "graceful shutdown: stop accepting, let in-flight requests finish (at most worker-reload-mercy "
         "seconds, then kill), exit, vacuum",
         "brutal reload (unless die-on-term)", "graceful shutdown"},
        {SIGINT, "SIGINT", MasterAction::immediate_stop, "",
         "immediate shutdown: workers exit at once, also in the middle of a request", "immediate shutdown",
         "quick shutdown"},
        {SIGQUIT, "SIGQUIT", MasterAction::immediate_stop, "", "immediate shutdown, as SIGINT",
         "immediate shutdown", "graceful shutdown"},
        {SIGHUP, "SIGHUP", MasterAction::reload, "--reload PIDFILE",
         "graceful reload of configuration and code: the new configuration and app are checked first "
         "(a failure keeps the old workers serving); the master re-executes itself in place (same pid, "
         "same listening sockets), new workers start, then the old ones finish their requests and leave "
         "(at most worker-reload-mercy seconds, then kill). A SIGHUP during start-up or a reload is "
         "kept and starts one more reload once the site serves",
         "graceful reload", "reload configuration, start new workers, stop old ones gracefully"},
        {SIGUSR1, "SIGUSR1", MasterAction::reopen_logs, "--reopen-logs PIDFILE",
         "reopen the log files (logto/daemonize, logger/req-logger file: targets) in the master and every worker, after logrotate",
         "print statistics", "reopen log files"},
        {SIGUSR2, "SIGUSR2", MasterAction::dump_stats, "",
         "log every worker's state from the scoreboard as a table (pid, status, requests, exceptions, "
         "average response time, bytes sent, memory, respawns, harakiri kills, the current request of "
         "each busy thread)",
         "print worker status", "(not used)"},
        {SIGTTIN, "SIGTTIN", MasterAction::add_worker, "", "one worker more", "(not used)",
         "one worker more"},
        {SIGTTOU, "SIGTTOU", MasterAction::remove_worker, "",
         "one worker less (never below one); it finishes its requests, at most worker-reload-mercy seconds",
         "(not used)", "one worker less"},
        {SIGCHLD, "SIGCHLD", MasterAction::reap, "",
         "a worker exited: reap it and start another (at once if it had started serving, with back-off "
         "if it never started)",
         "reap workers", "reap workers"},
    };
    return table;
}

const std::vector<int>& ignored_master_signals() {
    static const std::vector<int> ignored = [] {
        // SIGWINCH and SIGURG do nothing by default; they are caught too so that the log says
        // they arrived. SIGSYS is caught although it is a fault signal: sent with kill() it would
        // otherwise end the master with a core dump (appserver installs no seccomp filter).
        std::vector<int> out = {SIGALRM, SIGVTALRM, SIGPROF, SIGIO,    SIGPWR,  SIGSTKFLT,
                                SIGXCPU, SIGXFSZ,   SIGWINCH, SIGURG, SIGSYS};
        for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) out.push_back(sig);
        return out;
    }();
    return ignored;
}

std::string signal_name(int signal) {
    if (const SignalEntry* e = find_signal(signal)) return std::string(e->name);
    switch (signal) {
        case SIGUSR2: return "SIGUSR2";
        case SIGWINCH: return "SIGWINCH";
        case SIGURG: return "SIGURG";
        case SIGSYS: return "SIGSYS";
        case SIGALRM: return "SIGALRM";
        case SIGVTALRM: return "SIGVTALRM";
        case SIGPROF: return "SIGPROF";
        case SIGIO: return "SIGIO";
        case SIGPWR: return "SIGPWR";
        case SIGSTKFLT: return "SIGSTKFLT";
        case SIGXCPU: return "SIGXCPU";
        case SIGXFSZ: return "SIGXFSZ";
        case SIGPIPE: return "SIGPIPE";
        default: break;
    }
    if (signal >= SIGRTMIN && signal <= SIGRTMAX)
        return signal == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(signal - SIGRTMIN);
    return "signal " + std::to_string(signal);
}

std::string render_signals_markdown() {
    std::string out =
        "# Signals\n\n"
        "Generated from the master's signal table (`src/os/signals.cpp`, which tells the whole story of "
        "signals across fork and exec); a unit test keeps this file in step.\n\n"
        "Handlers only record the signal (a self-pipe); the master's loop handles it. The handlers are "
        "installed before the application is imported, so a signal during start-up or a reload is kept "
        "and handled once the master runs (SIGTERM during start-up stops it cleanly). Workers take their "
        "orders from the master: SIGTERM (finish in-flight requests, then exit), SIGINT (exit now), "
        "SIGUSR1 (reopen logs).\n\n"
        "| signal | command | appserver | uWSGI | Gunicorn |\n|---|---|---|---|---|\n";
    for (const auto& e : master_signal_table()) {
        out += "| " + std::string(e.name) + " | " + (e.cli_verb.empty() ? "" : "`appserver " + std::string(e.cli_verb) + "`") +
               " | " + std::string(e.meaning) + " | " + std::string(e.uwsgi_meaning) + " | " +
               std::string(e.gunicorn_meaning) + " |\n";
    }
    out += "\nIgnored by the master (each logged as `master got SIGNAME: ignored`; the default action of "
           "most would end it): ";
    const auto& ignored = ignored_master_signals();
    for (std::size_t i = 0; i < ignored.size(); ++i) {
        if (ignored[i] > SIGRTMIN && ignored[i] <= SIGRTMAX) continue;
        out += (i ? ", " : "") + signal_name(ignored[i]);
    }
    out += "..SIGRTMAX (the real-time signals). SIGPIPE is ignored without a log line (a write to a "
           "closed socket or pipe returns EPIPE instead; logging it could raise it again). SIGWINCH "
           "(Gunicorn: stop the workers of a daemonized arbiter) is ignored. The fault signals (SIGSEGV, "
           "SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP) keep their default action (a core dump).\n";
    out +=
        "\nSIGTERM is what systemd (`KillSignal=SIGTERM`) and Kubernetes send: appserver treats it as a "
        "graceful shutdown, where uWSGI (without `die-on-term`) would reload.\n\n"
        "The check runs in a separate process before the master re-executes itself. When the files "
        "change between the check and the exec (an edit at the wrong moment), the new image may still "
        "fail: whether it cannot read its configuration, load its Python plugin, take over its sockets "
        "or create what it shares, it stays as a degraded master over the previous generation's "
        "workers (they keep serving; it forks none and writes `reload failed: REASON` to the log and "
        "`PIDFILE.reload`), obeys `--stop`, and the next `--reload` starts from the files again.\n\n"
        "`--stop` and `--reload` wait for the outcome: `--stop` until the master has exited, `--reload` "
        "until the master reports the reload done or refused (in `PIDFILE.reload`); each exits 1 with "
        "one line when it fails. Against a stopped master (SIGSTOP, a debugger), which could not act on "
        "the signal, `--stop`, `--reload` and `--reopen-logs` send nothing and exit 1 at once, naming the "
        "`kill -CONT` that resumes it.\n";
    return out;
}

const SignalEntry* find_signal(int signal) {
    for (const auto& e : master_signal_table())
        if (e.signal == signal) return &e;
    return nullptr;
}

SignalQueue::SignalQueue() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        // No way to hear signals: nothing sensible to run.
        spdlog::critical("{}", log::syscall_error("pipe2", "signal queue", errno));
        std::abort();
    }
    read_end_.reset(fds[0]);
    write_end_.reset(fds[1]);
    g_read_fd = fds[0];
    g_write_fd = fds[1];
    g_master_pid = ::getpid();
    auto install = [](int sig) {
        if (!set_disposition(sig, on_master_signal, true))
            spdlog::error("{}", log::syscall_error("sigaction", signal_name(sig), errno));
    };
    for (const auto& e : master_signal_table()) install(e.signal);
    for (int sig : ignored_master_signals()) install(sig);
    set_disposition(SIGPIPE, SIG_IGN, false);
    // Blocked across the execve of a reload: what arrived meanwhile is delivered now, into the pipe.
    sigset_t caught = master_caught_set();
    ::pthread_sigmask(SIG_UNBLOCK, &caught, nullptr);
}

SignalQueue::~SignalQueue() {
    reset_master_dispositions();
    g_write_fd = g_read_fd = -1;
    g_master_pid = 0;
}

std::vector<int> SignalQueue::wait(int timeout_ms, int also_readable) {
    std::vector<pollfd> none;
    return wait(timeout_ms, also_readable, none);
}

std::vector<int> SignalQueue::wait(int timeout_ms, int also_readable, std::vector<pollfd>& extra) {
    std::vector<int> out;
    std::vector<pollfd> p = {{read_end_.get(), POLLIN, 0}, {also_readable, POLLIN, 0}};
    p.insert(p.end(), extra.begin(), extra.end());
    int ready = ::poll(p.data(), p.size(), timeout_ms);
    for (std::size_t i = 0; i < extra.size(); ++i) extra[i].revents = ready > 0 ? p[i + 2].revents : 0;
    if (ready <= 0) return out;
    unsigned char buf[64];
    for (;;) {
        ssize_t n = ::read(read_end_.get(), buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) out.push_back(buf[i]);
    }
    return out;
}

pid_t fork_child(ChildRole role) {
    sigset_t all, before;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &before);
    pid_t pid = ::fork();
    if (pid != 0) {
        int saved = errno;
        ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
        errno = saved;
        return pid;
    }
    // The child, with every signal blocked: nothing it receives can reach the master's pipe.
    reset_master_dispositions();
    if (g_read_fd >= 0) ::close(g_read_fd);
    if (g_write_fd >= 0) ::close(g_write_fd);
    g_read_fd = g_write_fd = -1;
    g_master_pid = 0;
    sigset_t mask = before;
    if (role == ChildRole::worker) install_worker_signal_handlers(mask);
    ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    return 0;
}

sigset_t block_for_exec() {
    sigset_t caught = master_caught_set(), before;
    ::pthread_sigmask(SIG_BLOCK, &caught, &before);
    return before;
}

void restore_signal_mask(const sigset_t& mask) { ::pthread_sigmask(SIG_SETMASK, &mask, nullptr); }

bool worker_stop_requested() { return g_worker_stop != 0; }

bool worker_take_reopen_logs() {
    if (!g_worker_reopen) return false;
    g_worker_reopen = 0;
    return true;
}

}  // namespace appserver
