#include "master/spoolers.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"
#include "master/respawn_policy.h"
#include "os/proctitle.h"
#include "os/signals.h"
#include "spool/spooler_table.h"

namespace appserver {
namespace {

// A spooler that dies sooner than this after its fork did not get going (its directory went
// away, the app breaks in it): the next one waits (respawn_backoff) instead of forking in a loop.
constexpr auto kStartedWell = std::chrono::seconds(1);

}  // namespace

void Spoolers::run_child(std::size_t index, AppRuntime& runtime, pid_t master_pid, bool lazy_apps,
                         const std::string& title) {
    if (in_child_) in_child_();
    spool::set_current_spooler(static_cast<int>(index));
    if (!title.empty()) proctitle::set(title);
    // uWSGI's spooler has worker id 0 and runs the post-fork hooks.
    runtime.set_worker(WorkerFacts{.id = 0, .total_requests = nullptr});
    runtime.after_fork_child();
    if (lazy_apps) {
        // The master has not imported the app: the spooler does, so its @spool functions exist.
        std::string error;
        if (!runtime.load_app(error)) spdlog::error("[spooler {}] {}", settings_.dirs[index], error);
    }
    spool::SpoolerProcessSettings s{.dir = settings_.dirs[index],
                                    .frequency_s = settings_.frequency_s,
                                    .chdir = settings_.chdir,
                                    .max_tasks = settings_.max_tasks,
                                    .ordered = settings_.ordered,
                                    .harakiri_s = settings_.harakiri_s,
                                    .quiet = settings_.quiet,
                                    .master_pid = master_pid,
                                    .signal_channel_fd = signal_spooler_end_.get(),
                                    .on_signal_channel = {}};
    signal_master_end_.reset();  // the spooler reads; only the master writes
    if (s.signal_channel_fd >= 0) {
        int fd = s.signal_channel_fd;
        s.on_signal_channel = [fd, &runtime] {
            // Non-blocking: another spooler may have taken the byte first.
            unsigned char num = 0;
            for (int budget = 64; budget > 0 && ::recv(fd, &num, 1, MSG_DONTWAIT) == 1; --budget)
                runtime.handle_signal(num);
        };
    }
    int code = spool::run_spooler(s, runtime);
    runtime.shutdown();
    spdlog::default_logger()->flush();
    ::_exit(code);
}

void Spoolers::manage(AppRuntime& runtime, pid_t master_pid, bool lazy_apps, const std::string& procname_prefix,
                      bool auto_procname) {
    auto now = Clock::now();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.pid != 0 || now < slot.next_spawn) continue;
        std::string title = auto_procname ? procname_prefix + "appserver: spooler " + settings_.dirs[i] : "";
        runtime.before_fork();
        pid_t pid = fork_child(ChildRole::plain);
        if (pid == 0) run_child(i, runtime, master_pid, lazy_apps, title);
        runtime.after_fork_parent();
        if (pid < 0) {
            spdlog::error("{}", log::syscall_error("fork", "spooler " + settings_.dirs[i], errno));
            slot.next_spawn = now + respawn_backoff(slot.failures++);
            continue;
        }
        if (slot.spawned) spool::note_spooler_respawn(i);
        slot.spawned = true;
        slot.pid = pid;
        slot.started = now;
        spool::set_spooler_pid(i, pid);
        spdlog::info("spawned the spooler on dir {} with pid {}", settings_.dirs[i], pid);
    }
}

int Spoolers::signal_channel() {
    if (settings_.dirs.empty()) return -1;
    if (!signal_master_end_) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
            spdlog::error("{}", log::syscall_error("socketpair", "spooler signal channel", errno));
            return -1;
        }
        signal_master_end_.reset(fds[0]);
        signal_spooler_end_.reset(fds[1]);
    }
    return signal_master_end_.get();
}

bool Spoolers::on_child_exit(pid_t pid, int status, bool stopping) {
    auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) { return s.pid == pid; });
    if (it == slots_.end()) return false;
    std::size_t index = static_cast<std::size_t>(it - slots_.begin());
    Slot& slot = *it;
    slot.pid = 0;
    spool::set_spooler_pid(index, 0);
    if (stopping) return true;
    auto now = Clock::now();
    const std::string& dir = settings_.dirs[index];
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM && settings_.harakiri_s > 0)
        spdlog::warn("spooler on {} (pid {}) ran a task longer than spooler-harakiri ({} s): killed; the task stays",
                     dir, pid, settings_.harakiri_s);
    else if (WIFSIGNALED(status))
        spdlog::warn("spooler on {} (pid {}) killed by signal {}", dir, pid, WTERMSIG(status));
    else
        spdlog::info("spooler on {} (pid {}) exited with code {}", dir, pid, WEXITSTATUS(status));
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == spool::kSpoolerExited;
    if (clean || now - slot.started >= kStartedWell) {
        slot.failures = 0;
        slot.next_spawn = now;
    } else {
        slot.next_spawn = now + respawn_backoff(slot.failures++);
        spdlog::warn("spooler on {} keeps failing at start; next try in {} ms", dir,
                     std::chrono::duration_cast<std::chrono::milliseconds>(slot.next_spawn - now).count());
    }
    return true;
}

void Spoolers::signal_all(int sig) const {
    for (const Slot& s : slots_)
        if (s.pid > 0) ::kill(s.pid, sig);
}

int Spoolers::alive() const {
    return static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.pid > 0; }));
}

std::vector<stats::SpoolerSnapshot> Spoolers::snapshot() const {
    std::vector<stats::SpoolerSnapshot> out;
    for (const spool::SpoolerStatus& s : spool::spooler_statuses())
        out.push_back({.dir = s.dir, .pid = s.pid, .tasks = s.tasks, .respawns = s.respawns, .running = s.running});
    return out;
}

std::vector<pid_t> Spoolers::pids() const {
    std::vector<pid_t> out;
    for (const Slot& s : slots_)
        if (s.pid > 0) out.push_back(s.pid);
    return out;
}

}  // namespace appserver
