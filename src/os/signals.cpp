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
        {SIGCHLD, "SIGCHLD", MasterAction::reap, "", "a worker exited: reap it and start a new one"},
        {SIGTERM, "SIGTERM", MasterAction::graceful_stop, "--stop",
         "graceful shutdown: stop accepting, finish in-flight requests (worker-reload-mercy), exit"},
        {SIGINT, "SIGINT", MasterAction::immediate_stop, "", "immediate shutdown"},
        {SIGQUIT, "SIGQUIT", MasterAction::immediate_stop, "", "immediate shutdown"},
        {SIGHUP, "SIGHUP", MasterAction::reload, "--reload", "graceful reload of configuration and code"},
        {SIGUSR1, "SIGUSR1", MasterAction::reopen_logs, "--reopen-logs", "reopen log files"},
        {SIGTTIN, "SIGTTIN", MasterAction::add_worker, "", "one worker more"},
        {SIGTTOU, "SIGTTOU", MasterAction::remove_worker, "", "one worker less"},
    };
    return table;
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
