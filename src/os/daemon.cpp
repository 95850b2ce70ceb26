#include "os/daemon.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "log/log.h"

namespace appserver::daemon {
namespace {

int g_report_fd = -1;

void send_report(const std::string& message) {
    if (g_report_fd < 0) return;
    std::string line = message + "\n";
    [[maybe_unused]] ssize_t n = ::write(g_report_fd, line.data(), line.size());
    ::close(g_report_fd);
    g_report_fd = -1;
}

[[noreturn]] void wait_for_report(int fd, pid_t child, const std::string& logfile) {
    std::string report;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            report.append(buf, static_cast<std::size_t>(n));
            // One line is the whole report (workers forked later hold the pipe open: no EOF).
            if (report.find('\n') != std::string::npos) break;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    if (report.starts_with("OK")) std::exit(0);
    if (report.starts_with("ERR ")) {
        std::fprintf(stderr, "appserver: %s\n", report.substr(4, report.find('\n') - 4).c_str());
    } else {
        int status = 0;
        ::waitpid(child, &status, 0);
        std::fprintf(stderr, "appserver: failed to start (see %s)\n", logfile.c_str());
    }
    std::exit(1);
}

}  // namespace

bool detach(const std::string& logfile, std::string& error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        error = log::syscall_error("pipe2", "", errno);
        return false;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        error = log::syscall_error("fork", "", errno);
        return false;
    }
    if (pid > 0) {
        ::close(fds[1]);
        wait_for_report(fds[0], pid, logfile);
    }
    ::close(fds[0]);
    g_report_fd = fds[1];
    ::setsid();
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        if (null > STDERR_FILENO) ::close(null);
    }
    if (!log::redirect_output(logfile, error)) {
        send_report("ERR " + error);
        std::exit(1);
    }
    return true;
}

bool awaiting_report() { return g_report_fd >= 0; }

void report_ready() { send_report("OK"); }

void report_failure(const std::string& line) { send_report("ERR " + line); }

}  // namespace appserver::daemon
