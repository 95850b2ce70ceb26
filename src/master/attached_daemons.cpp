#include "master/attached_daemons.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "log/log.h"
#include "master/respawn_policy.h"
#include "os/pidfile.h"
#include "os/signals.h"

namespace appserver {
namespace {

// A daemon that ends sooner than this after its start counts as failing at start (uWSGI's
// throttle also looks at the last 3 seconds): the next start waits, doubling each time.
constexpr auto kShortRun = std::chrono::seconds(3);

std::string describe(int status) {
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with code " + std::to_string(WEXITSTATUS(status));
}

// The live process a pidfile names, or 0.
pid_t live_pid_in(const std::string& pidfile) {
    std::string error;
    std::optional<pid_t> pid = read_pidfile(pidfile, error);
    if (!pid || *pid <= 0) return 0;
    if (::kill(*pid, 0) != 0 && errno == ESRCH) return 0;
    return *pid;
}

// In the child, before exec: errors go to stderr (the server's log) with write(2) only.
void child_error(const char* what, const std::string& arg) {
    std::string line = "attach-daemon: " + std::string(what) + " " + arg + ": " + std::strerror(errno) + "\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace

AttachedDaemons::AttachedDaemons(std::vector<DaemonSpec> specs) {
    for (DaemonSpec& spec : specs) {
        Daemon d;
        d.spec = std::move(spec);
        daemons_.push_back(std::move(d));
    }
}

void AttachedDaemons::exec_child(const DaemonSpec& spec) {
    // Its own session: the stop signal goes to its whole process group, and the terminal's
    // signals (Ctrl-C on a foreground server) reach the master only.
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);  // the master ignores it; a shell pipeline must not
    if (!spec.smart()) ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a dumb daemon never outlives the master
    if (!spec.honour_stdin) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) ::dup2(null, STDIN_FILENO);
    }
    // Nothing of the server (listening sockets, pipes, the stats socket) leaks into the command.
    ::close_range(3, ~0U, 0);
    if (!spec.chdir.empty() && ::chdir(spec.chdir.c_str()) != 0) {
        child_error("chdir", spec.chdir);
        ::_exit(127);
    }
    if (spec.gid > 0 && ::setgid(static_cast<gid_t>(spec.gid)) != 0) {
        child_error("setgid", std::to_string(spec.gid));
        ::_exit(127);
    }
    if (spec.uid > 0 && ::setuid(static_cast<uid_t>(spec.uid)) != 0) {
        child_error("setuid", std::to_string(spec.uid));
        ::_exit(127);
    }
    if (spec.daemonize) {
        // smart-attach-daemon2: the command stays in the foreground; it is put in the background
        // here and its pid written where the master looks for it.
        pid_t pid = ::fork();
        if (pid < 0) {
            child_error("fork", spec.command);
            ::_exit(127);
        }
        if (pid > 0) ::_exit(0);
        std::string error;
        if (!write_pidfile(spec.pidfile, ::getpid(), error)) {
            std::string line = "attach-daemon: " + error + "\n";
            [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
        }
    }
    ::execl("/bin/sh", "sh", "-c", spec.command.c_str(), static_cast<char*>(nullptr));
    child_error("exec /bin/sh -c", spec.command);
    ::_exit(127);
}

void AttachedDaemons::spawn(Daemon& d, Clock::time_point now) {
    d.respawn_due = false;
    pid_t pid = fork_child(ChildRole::plain);
    if (pid == 0) exec_child(d.spec);
    if (pid < 0) {
        spdlog::error("{}", log::syscall_error("fork", "attach-daemon \"" + d.spec.command + "\"", errno));
        schedule_respawn(d, now, true);
        return;
    }
    spdlog::info("attach-daemon: {}spawned \"{}\" (pid {})", d.started_once ? "re" : "", d.spec.command, pid);
    d.started_once = true;
    d.pid = pid;
    d.spawned = now;
    d.monitored = false;
    d.pidfile_checks = 0;
}

void AttachedDaemons::schedule_respawn(Daemon& d, Clock::time_point now, bool short_run) {
    d.failures = short_run ? d.failures + 1 : 0;
    auto wait = d.failures > 0 ? std::chrono::duration_cast<Clock::duration>(respawn_backoff(d.failures))
                               : Clock::duration::zero();
    if (d.spec.max_throttle_s > 0) wait = std::min<Clock::duration>(wait, std::chrono::seconds(d.spec.max_throttle_s));
    d.next_spawn = now + wait;
    d.respawn_due = true;
    if (d.failures > 1)
        spdlog::warn("attach-daemon \"{}\" keeps ending at start; next start in {} ms", d.spec.command,
                     std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
}

void AttachedDaemons::start(Clock::time_point now) {
    next_check_ = now + std::chrono::seconds(1);
    for (Daemon& d : daemons_) {
        d.touch.watch(d.spec.touch);
        if (d.spec.smart()) {
            if (pid_t live = live_pid_in(d.spec.pidfile); live > 0) {
                d.tracked_pid = live;
                d.monitored = true;
                d.started_once = true;
                spdlog::info("attach-daemon: \"{}\" is running (pid {} in {}): adopted", d.spec.command, live,
                             d.spec.pidfile);
                continue;
            }
        }
        spawn(d, now);
    }
}

bool AttachedDaemons::on_exit(pid_t pid, int status, Clock::time_point now) {
    for (Daemon& d : daemons_) {
        if (d.pid != pid) continue;
        d.pid = 0;
        if (d.spec.smart()) {
            // The command put itself (or was put) in the background: the pidfile is followed now.
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                spdlog::warn("attach-daemon \"{}\" (pid {}) {} before daemonizing", d.spec.command, pid,
                             describe(status));
            return true;
        }
        if (stopping_) {
            spdlog::info("attach-daemon \"{}\" (pid {}) {}", d.spec.command, pid, describe(status));
            return true;
        }
        if (reloading_) {  // the new image starts it; this one again if the re-exec fails
            spdlog::info("attach-daemon \"{}\" (pid {}) {} for the reload", d.spec.command, pid, describe(status));
            d.respawn_due = true;
            d.next_spawn = now;
            return true;
        }
        spdlog::warn("attach-daemon \"{}\" (pid {}) {}: starting it again", d.spec.command, pid, describe(status));
        schedule_respawn(d, now, now - d.spawned < kShortRun);
        return true;
    }
    return false;
}

void AttachedDaemons::check_pidfile(Daemon& d, Clock::time_point now) {
    pid_t live = live_pid_in(d.spec.pidfile);
    if (live > 0) {
        if (live != d.tracked_pid && d.tracked_pid > 0)
            spdlog::info("attach-daemon \"{}\": pid changed ({} -> {})", d.spec.command, d.tracked_pid, live);
        d.tracked_pid = live;
        d.monitored = true;
        d.pidfile_checks = 0;
        d.failures = 0;
        return;
    }
    if (d.pid > 0) return;  // still daemonizing
    if (d.monitored) {
        spdlog::warn("attach-daemon \"{}\": pid {} from {} is gone: starting it again", d.spec.command,
                     d.tracked_pid, d.spec.pidfile);
        d.monitored = false;
        d.tracked_pid = 0;
        schedule_respawn(d, now, now - d.spawned < kShortRun);
        return;
    }
    if (++d.pidfile_checks >= d.spec.freq) {
        spdlog::warn("attach-daemon \"{}\": no live pid in {} after {} s: starting it again", d.spec.command,
                     d.spec.pidfile, d.pidfile_checks);
        d.pidfile_checks = 0;
        schedule_respawn(d, now, true);
    }
}

void AttachedDaemons::tick(Clock::time_point now) {
    if (stopping_ || reloading_ || daemons_.empty()) return;
    bool second = now >= next_check_;
    if (second) next_check_ = now + std::chrono::seconds(1);
    for (Daemon& d : daemons_) {
        if (!d.started_once && !d.respawn_due) continue;  // start() has not run
        if (second && !d.touch.empty()) {
            if (std::string path = d.touch.changed(); !path.empty()) {
                pid_t target = d.spec.smart() ? d.tracked_pid : d.pid;
                spdlog::info("attach-daemon \"{}\": {} touched: restarting it", d.spec.command, path);
                if (target > 0) ::kill(-target, d.spec.stop_signal);
                if (d.spec.smart()) {
                    d.monitored = false;
                    d.tracked_pid = 0;
                    schedule_respawn(d, now, false);
                }
            }
        }
        if (second && d.spec.smart() && !d.respawn_due) check_pidfile(d, now);
        if (d.respawn_due && d.pid == 0 && now >= d.next_spawn) spawn(d, now);
    }
}

void AttachedDaemons::begin_stop() {
    if (stopping_) return;
    stopping_ = true;
    for (Daemon& d : daemons_) {
        d.respawn_due = false;
        if (!d.spec.smart() && d.pid > 0) {
            spdlog::info("attach-daemon: stopping \"{}\" (pid {})", d.spec.command, d.pid);
            ::kill(-d.pid, d.spec.stop_signal);
        } else if (d.spec.smart() && d.spec.notify_pid && d.tracked_pid > 0) {
            ::kill(-d.tracked_pid, d.spec.stop_signal);
        }
    }
}

int AttachedDaemons::running() const {
    int n = 0;
    for (const Daemon& d : daemons_)
        if (d.pid > 0) ++n;  // a smart daemon's direct child still daemonizing counts too
    return n;
}

void AttachedDaemons::kill_daemon(const Daemon& d, const char* when) {
    spdlog::warn("attach-daemon \"{}\" (pid {}) did not stop{} in time: killing it", d.spec.command, d.pid, when);
    ::kill(-d.pid, SIGKILL);
    ::kill(d.pid, SIGKILL);  // in case it left its process group
}

void AttachedDaemons::kill_remaining() {
    for (const Daemon& d : daemons_)
        if (d.pid > 0) kill_daemon(d, "");
}

bool AttachedDaemons::begin_reload_stop() {
    reloading_ = true;
    for (Daemon& d : daemons_) {
        int sig = d.spec.reload_signal > 0 ? d.spec.reload_signal : d.spec.stop_signal;
        if (!d.spec.smart() && d.pid > 0) {
            spdlog::info("attach-daemon: stopping \"{}\" (pid {}) for the reload", d.spec.command, d.pid);
            ::kill(-d.pid, sig);
        } else if (d.spec.smart() && d.spec.notify_pid && d.tracked_pid > 0) {
            ::kill(-d.tracked_pid, d.spec.reload_signal > 0 ? d.spec.reload_signal : SIGHUP);
        }
    }
    return running() > 0;
}

void AttachedDaemons::kill_remaining_for_reload() {
    for (Daemon& d : daemons_) {
        if (d.pid <= 0) continue;
        kill_daemon(d, " for the reload");
        ::waitpid(d.pid, nullptr, 0);  // SIGKILL: this wait is short
        d.pid = 0;
        d.respawn_due = true;
        d.next_spawn = Clock::now();
    }
}

void AttachedDaemons::resume_after_failed_reload() { reloading_ = false; }

}  // namespace appserver
