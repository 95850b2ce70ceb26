#include "master/mules.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "log/log.h"
#include "master/mule_queues.h"
#include "master/respawn_policy.h"
#include "os/proctitle.h"
#include "os/signals.h"

namespace appserver {
namespace {

// A mule that exits sooner than this after its start is taken for one that cannot start (a script
// that raises at import, a module that does not exist): started again with back-off, 250 ms doubling
// up to 30 s, instead of in a loop. uWSGI starts it again at once, every time.
constexpr auto kSettle = std::chrono::seconds(1);
constexpr auto kImmediateStopGrace = std::chrono::seconds(3);

std::string describe_exit(int status) {
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with code " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

Mules::Mules(AppRuntime* runtime, bool auto_procname, std::string procname_prefix)
    : runtime_(runtime), auto_procname_(auto_procname), procname_prefix_(std::move(procname_prefix)) {
    const MuleQueues* queues = MuleQueues::current();
    if (queues == nullptr || runtime_ == nullptr) return;
    for (int id = 1; id <= queues->count(); ++id)
        mules_.push_back(Mule{.id = id, .program = queues->plan().mules[static_cast<std::size_t>(id - 1)]});
    touch_watch_.watch(queues->plan().touch_reload);
}

int Mules::alive() const {
    int n = 0;
    for (const Mule& m : mules_) n += m.pid > 0 ? 1 : 0;
    return n;
}

void Mules::run_mule_process(const Mule& mule) {
    // As uWSGI's mules: they die with the master, and end on SIGTERM/SIGINT/SIGHUP (fork_child left
    // those at their default); log reopening and uWSGI's SIGUSR2 are not for them.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != master_pid_) ::_exit(0);
    ::signal(SIGUSR1, SIG_IGN);
    ::signal(SIGUSR2, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    if (child_cleanup_) child_cleanup_();
    if (MuleQueues* queues = MuleQueues::current()) {
        queues->close_others(mule.id);
        queues->enter_mule(mule.id);
    }
    if (auto_procname_) proctitle::set(procname_prefix_ + "appserver: mule " + std::to_string(mule.id));
    runtime_->after_fork_child();  // post-fork hooks run in mules too, as in uWSGI (@mule, @farm...)
    int code = runtime_->run_mule(mule.id, mule.program);
    spdlog::default_logger()->flush();
    ::_exit(code);
}

void Mules::spawn(Mule& mule, Clock::time_point now) {
    master_pid_ = ::getpid();
    runtime_->before_fork();
    pid_t pid = fork_child(ChildRole::plain);
    if (pid == 0) run_mule_process(mule);
    int saved = errno;
    runtime_->after_fork_parent();
    if (pid < 0) {
        spdlog::error("{}", log::syscall_error("fork", "mule " + std::to_string(mule.id), saved));
        mule.next_spawn = now + respawn_backoff(mule.quick_exits++);
        return;
    }
    mule.pid = pid;
    mule.started = now;
    mule.restarting = false;
    spdlog::info("mule {} started (pid {}){}", mule.id, pid,
                 mule.program.empty() ? std::string(": message loop") : ": " + mule.program);
}

// touch-mules-reload, checked once a second as touch-reload is: each mule gets SIGTERM and is
// started again (uWSGI sends SIGHUP, which ends a mule the same way).
void Mules::check_touched(Clock::time_point now) {
    if (touch_watch_.empty() || now < next_touch_check_) return;
    next_touch_check_ = now + std::chrono::seconds(1);
    std::string path = touch_watch_.changed();
    if (path.empty()) return;
    spdlog::info("{} touched: restarting the mules", path);
    for (Mule& m : mules_) {
        if (m.pid <= 0) continue;
        ::kill(m.pid, SIGTERM);
        m.restarting = true;
    }
}

void Mules::tick(Clock::time_point now) {
    if (!stopping_) {
        check_touched(now);
        for (Mule& m : mules_)
            if (m.pid == 0 && now >= m.next_spawn) spawn(m, now);
        return;
    }
    if (killed_ || now < kill_at_ || alive() == 0) return;
    for (const Mule& m : mules_)
        if (m.pid > 0) {
            spdlog::warn("mule {} (pid {}) still running after mule-reload-mercy: killing it", m.id, m.pid);
            ::kill(m.pid, SIGKILL);
        }
    killed_ = true;
}

bool Mules::on_child_exit(pid_t pid, int status, Clock::time_point now) {
    for (Mule& m : mules_) {
        if (m.pid != pid) continue;
        m.pid = 0;
        if (stopping_) {
            spdlog::info("mule {} (pid {}) {}", m.id, pid, describe_exit(status));
            return true;
        }
        if (m.restarting) {
            spdlog::info("mule {} (pid {}) {}", m.id, pid, describe_exit(status));
            m.restarting = false;
            m.quick_exits = 0;
            m.next_spawn = now;
            return true;
        }
        spdlog::warn("mule {} (pid {}) {}", m.id, pid, describe_exit(status));
        RespawnDecision next = decide_respawn(
            {.reported_ready = now - m.started >= kSettle, .boot_failed = false, .started = m.started},
            m.quick_exits, now);
        m.next_spawn = next.next_spawn;
        m.quick_exits = next.boot_failures;
        if (next.backing_off && m.quick_exits > 1)
            spdlog::warn("mule {} keeps exiting at start; next try in {} ms", m.id,
                         std::chrono::duration_cast<std::chrono::milliseconds>(m.next_spawn - now).count());
        return true;
    }
    return false;
}

void Mules::stop(bool graceful, Clock::time_point now) {
    if (stopping_ && graceful) return;
    int mercy_s = 60;
    if (const MuleQueues* queues = MuleQueues::current()) mercy_s = queues->plan().reload_mercy_s;
    auto deadline = graceful ? now + std::chrono::seconds(mercy_s) : now + kImmediateStopGrace;
    kill_at_ = stopping_ ? std::min(kill_at_, deadline) : deadline;
    stopping_ = true;
    for (const Mule& m : mules_)
        if (m.pid > 0) ::kill(m.pid, SIGTERM);
}

void Mules::kill_all() {
    for (const Mule& m : mules_)
        if (m.pid > 0) ::kill(m.pid, SIGKILL);
}

std::vector<pid_t> Mules::hand_over_for_reload() {
    std::vector<pid_t> pids;
    for (Mule& m : mules_) {
        if (m.pid <= 0) continue;
        ::kill(m.pid, SIGTERM);
        pids.push_back(m.pid);
        m.pid = 0;  // should the re-exec fail, a new one starts in the next tick
        m.next_spawn = {};
    }
    return pids;
}

}  // namespace appserver
