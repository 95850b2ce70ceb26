#include "spool/spooler_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "log/log.h"
#include "os/unique_fd.h"
#include "spool/spool_dir.h"
#include "spool/spooler_table.h"

namespace appserver::spool {
namespace {

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// SIGTERM, SIGUSR1 and SIGHUP arrive through a signalfd: blocked, so a task is never interrupted
// by them; SIGTERM is seen between tasks. SIGHUP (from the master, after logrotate or log-maxsize)
// reopens the log file; uWSGI's spooler ignores it.
class SpoolerSignals {
public:
    bool open(std::string& error) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGHUP);
        if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
            error = log::syscall_error("sigprocmask", "spooler", errno);
            return false;
        }
        fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
        if (!fd_) {
            error = log::syscall_error("signalfd", "spooler", errno);
            return false;
        }
        return true;
    }
    int fd() const { return fd_.get(); }
    // Reads what arrived; true when something asked for a rescan.
    bool drain() {
        bool wake = false;
        signalfd_siginfo info{};
        while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            if (info.ssi_signo == SIGTERM) stop_ = true;
            if (info.ssi_signo == SIGUSR1) wake = true;
            if (info.ssi_signo == SIGHUP) log::reopen_output();
        }
        return wake;
    }
    bool stop_requested() const { return stop_; }

private:
    UniqueFd fd_;
    bool stop_ = false;
};

class Spooler {
public:
    Spooler(const SpoolerProcessSettings& s, AppRuntime& runtime) : s_(s), runtime_(runtime) {}

    int run() {
        std::string error;
        if (!signals_.open(error)) {
            spdlog::error("[spooler {}] {}", s_.dir, error);
            return kSpoolerBroken;
        }
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != s_.master_pid) return kSpoolerExited;
        // As uWSGI: a spooler never reads stdin and yields the CPU to the workers.
        if (int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null_fd >= 0) {
            ::dup2(null_fd, 0);
            if (null_fd != 0) ::close(null_fd);
        }
        if (::setpriority(PRIO_PROCESS, 0, PRIO_MAX) != 0)
            spdlog::warn("[spooler {}] {}", s_.dir, log::syscall_error("setpriority", "spooler", errno));
        note_spooler_start();
        int frequency_ms = (s_.frequency_s > 0 ? s_.frequency_s : kSpoolerDefaultFrequency) * 1000;
        for (;;) {
            // A wake-up that arrives during a scan may be for a task the scan's listing missed:
            // then the next scan starts at once (uWSGI's wakeup counter), not a period later.
            bool woken = false;
            signals_.drain();
            if (signals_.stop_requested() || ::getppid() != s_.master_pid) return kSpoolerExited;
            if (::chdir(s_.dir.c_str()) != 0) {
                spdlog::error("[spooler {}] {}: exiting", s_.dir, log::syscall_error("chdir", s_.dir, errno));
                return kSpoolerBroken;
            }
            for (const std::string& path : list_tasks(s_.dir, s_.ordered)) {
                woken = signals_.drain() || woken;
                if (signals_.stop_requested()) return kSpoolerExited;
                if (manage(path)) return kSpoolerExited;  // spooler-max-tasks reached
            }
            woken = signals_.drain() || woken;
            if (signals_.stop_requested()) return kSpoolerExited;
            if (!woken) wait(frequency_ms);
        }
    }

private:
    // Waits for the period, a wake-up, a stop or the signal channel.
    void wait(int timeout_ms) {
        pollfd fds[2] = {{.fd = signals_.fd(), .events = POLLIN, .revents = 0},
                         {.fd = s_.signal_channel_fd, .events = POLLIN, .revents = 0}};
        nfds_t count = s_.signal_channel_fd >= 0 ? 2 : 1;
        if (::poll(fds, count, timeout_ms) <= 0) return;
        if (count == 2 && (fds[1].revents & POLLIN) && s_.on_signal_channel) s_.on_signal_channel();
    }

    // Runs one task if it is due and free. True when this process must now exit (max-tasks).
    bool manage(const std::string& path) {
        TakenTask task;
        std::string error;
        switch (take_task(path, static_cast<std::int64_t>(::time(nullptr)), task, error)) {
            case TakeStatus::skip:
                if (!error.empty()) spdlog::error("[spooler {}] {}", s_.dir, error);
                return false;
            case TakeStatus::broken:
                // uWSGI destroys a task it cannot read; it would fail the same way every scan.
                spdlog::error("[spooler {}] broken task {} ({}): deleting it", s_.dir, path, error);
                if (!remove_task(path, error)) spdlog::error("[spooler {}] {}", s_.dir, error);
                return false;
            case TakeStatus::taken: break;
        }
        std::string name = base_name(path);
        if (!s_.quiet) spdlog::info("[spooler {} pid: {}] managing request {} ...", s_.dir, ::getpid(), name);
        if (!s_.chdir.empty() && ::chdir(s_.chdir.c_str()) != 0)
            spdlog::error("[spooler {}] {}", s_.dir, log::syscall_error("chdir", s_.chdir, errno));
        SpoolTask run{.name = name, .path = path, .vars = std::move(task.vars), .body = std::move(task.body)};
        std::time_t started = ::time(nullptr);
        // spooler-harakiri: SIGALRM's default action ends this process; the master logs it and
        // starts another; the task file stays for the next run (as uWSGI's harakiri of a spooler).
        note_spooler_running(true);
        if (s_.harakiri_s > 0) ::alarm(static_cast<unsigned>(s_.harakiri_s));
        int result = runtime_.run_spooler_task(run);
        if (s_.harakiri_s > 0) ::alarm(0);
        note_spooler_running(false);
        if (result == kSpoolIgnore) {
            spdlog::warn("unable to find the spooler function, have you loaded it into the spooler process ?");
        } else {
            ++tasks_;
            note_spooler_task();
            if (result == kSpoolOk) {
                if (!s_.quiet)
                    spdlog::info("[spooler {} pid: {}] done with task {} after {} seconds", s_.dir, ::getpid(), name,
                             ::time(nullptr) - started);
                if (!remove_task(path, error)) spdlog::error("[spooler {}] {}", s_.dir, error);
            }
        }
        task.fd.reset();  // releases the lock
        if (::chdir(s_.dir.c_str()) != 0) {
            spdlog::error("[spooler {}] {}", s_.dir, log::syscall_error("chdir", s_.dir, errno));
            return true;
        }
        if (s_.max_tasks > 0 && tasks_ >= static_cast<std::uint64_t>(s_.max_tasks)) {
            spdlog::info("[spooler {} pid: {}] maximum number of tasks reached ({}) recycling ...", s_.dir,
                         ::getpid(), s_.max_tasks);
            return true;
        }
        return false;
    }

    const SpoolerProcessSettings& s_;
    AppRuntime& runtime_;
    SpoolerSignals signals_;
    std::uint64_t tasks_ = 0;
};

}  // namespace

int run_spooler(const SpoolerProcessSettings& settings, AppRuntime& runtime) {
    return Spooler(settings, runtime).run();
}

}  // namespace appserver::spool
