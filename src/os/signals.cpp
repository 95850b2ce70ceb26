#include "os/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace appserver {
namespace {

int g_write_fd = -1;
int g_read_fd = -1;

void on_signal(int sig) {
    int saved = errno;
    unsigned char byte = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = ::write(g_write_fd, &byte, 1);
    errno = saved;
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
         "same listening sockets), new workers start, then the old ones finish their requests and leave",
         "graceful reload", "reload configuration, start new workers, stop old ones gracefully"},
        {SIGUSR1, "SIGUSR1", MasterAction::reopen_logs, "--reopen-logs PIDFILE",
         "reopen the log file (logto/daemonize) in the master and every worker, after logrotate",
         "print statistics", "reopen log files"},
        {SIGTTIN, "SIGTTIN", MasterAction::add_worker, "", "one worker more", "(not used)",
         "one worker more"},
        {SIGTTOU, "SIGTTOU", MasterAction::remove_worker, "", "one worker less (never below one)",
         "(not used)", "one worker less"},
        {SIGCHLD, "SIGCHLD", MasterAction::reap, "",
         "a worker exited: reap it and start another (with back-off when workers die at start)",
         "reap workers", "reap workers"},
    };
    return table;
}

std::string render_signals_markdown() {
    std::string out =
        "# Signals\n\n"
        "Generated from the master's signal table (`src/os/signals.cpp`); a unit test keeps this file in "
        "step.\n\n"
        "Handlers only record the signal (a self-pipe); the master's loop handles it. Workers take their "
        "orders from the master: SIGTERM (finish in-flight requests, then exit), SIGINT (exit now), "
        "SIGUSR1 (reopen logs).\n\n"
        "| signal | command | appserver | uWSGI | Gunicorn |\n|---|---|---|---|---|\n";
    for (const auto& e : master_signal_table()) {
        out += "| " + std::string(e.name) + " | " + (e.cli_verb.empty() ? "" : "`appserver " + std::string(e.cli_verb) + "`") +
               " | " + std::string(e.meaning) + " | " + std::string(e.uwsgi_meaning) + " | " +
               std::string(e.gunicorn_meaning) + " |\n";
    }
    out +=
        "\nSIGTERM is what systemd (`KillSignal=SIGTERM`) and Kubernetes send: appserver treats it as a "
        "graceful shutdown, where uWSGI (without `die-on-term`) would reload.\n\n"
        "`--stop` and `--reload` wait for the outcome: `--stop` until the master has exited, `--reload` "
        "until the master reports the reload done or refused (in `PIDFILE.reload`); each exits 1 with "
        "one line when it fails.\n";
    return out;
}

const SignalEntry* find_signal(int signal) {
    for (const auto& e : master_signal_table())
        if (e.signal == signal) return &e;
    return nullptr;
}

SignalQueue::SignalQueue() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) std::abort();
    read_end_.reset(fds[0]);
    write_end_.reset(fds[1]);
    g_read_fd = fds[0];
    g_write_fd = fds[1];
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    for (const auto& e : master_signal_table()) sigaction(e.signal, &sa, nullptr);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, nullptr);
}

SignalQueue::~SignalQueue() {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    for (const auto& e : master_signal_table()) sigaction(e.signal, &sa, nullptr);
    g_write_fd = g_read_fd = -1;
}

std::vector<int> SignalQueue::wait(int timeout_ms) {
    std::vector<int> out;
    pollfd p{read_end_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return out;
    unsigned char buf[64];
    for (;;) {
        ssize_t n = ::read(read_end_.get(), buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; ++i) out.push_back(buf[i]);
    }
    return out;
}

void SignalQueue::reset_in_child() {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    for (const auto& e : master_signal_table()) sigaction(e.signal, &sa, nullptr);
    if (g_read_fd >= 0) ::close(g_read_fd);
    if (g_write_fd >= 0) ::close(g_write_fd);
    g_read_fd = g_write_fd = -1;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace appserver
