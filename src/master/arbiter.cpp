#include "master/arbiter.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "log/log.h"
#include "os/proctitle.h"
#include "os/signals.h"

namespace appserver {
namespace {

// A worker that dies sooner than this after its start counts as a failed start.
constexpr auto kFastFailure = std::chrono::seconds(2);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr auto kImmediateStopGrace = std::chrono::seconds(3);

std::chrono::milliseconds backoff(int failures) {
    auto delay = std::chrono::milliseconds(250) * (1 << std::min(failures, 8));
    return std::min<std::chrono::milliseconds>(delay, kMaxBackoff);
}

}  // namespace

Arbiter::Arbiter(ArbiterSettings settings, std::vector<ListenSocket>& listeners, AppRuntime& runtime)
    : settings_(std::move(settings)), listeners_(listeners), runtime_(runtime) {}

int Arbiter::alive() const {
    return static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.pid > 0; }));
}

void Arbiter::run_worker_process(const Slot& slot) {
    SignalQueue::reset_in_child();
    // A worker must not outlive its master.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != master_pid_) ::_exit(0);
    runtime_.after_fork_child();
    install_worker_signal_handlers();
    if (settings_.auto_procname)
        proctitle::set(settings_.procname_prefix + "appserver: worker " + std::to_string(slot.id));
    if (settings_.lazy_apps) {
        std::string error;
        if (!runtime_.load_app(error)) {
            spdlog::error("worker {}: {}", slot.id, error);
            ::_exit(kWorkerBootFailed);
        }
    }
    WorkerSettings ws = settings_.worker;
    ws.id = slot.id;
    ws.master_pid = master_pid_;
    int code = 0;
    {
        Worker worker(ws, listeners_, runtime_);
        code = worker.run();
    }
    runtime_.shutdown();
    spdlog::default_logger()->flush();
    ::_exit(code);
}

void Arbiter::spawn(Slot& slot) {
    runtime_.before_fork();
    pid_t pid = ::fork();
    if (pid == 0) run_worker_process(slot);
    runtime_.after_fork_parent();
    if (pid < 0) {
        spdlog::error("{}", log::syscall_error("fork", "worker " + std::to_string(slot.id), errno));
        slot.next_spawn = Clock::now() + backoff(++slot.fast_failures);
        return;
    }
    slot.pid = pid;
    slot.started = Clock::now();
    spdlog::info("worker {} started (pid {})", slot.id, pid);
}

void Arbiter::reap() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) { return s.pid == pid; });
        if (it == slots_.end()) continue;  // not one of ours (e.g. a process the app spawned)
        Slot& slot = *it;
        slot.pid = 0;
        auto now = Clock::now();
        bool boot_failed = WIFEXITED(status) && WEXITSTATUS(status) == kWorkerBootFailed;
        if (!stopping_) {
            if (WIFSIGNALED(status))
                spdlog::warn("worker {} (pid {}) killed by signal {}", slot.id, pid, WTERMSIG(status));
            else
                spdlog::warn("worker {} (pid {}) exited with code {}", slot.id, pid, WEXITSTATUS(status));
        }
        if (boot_failed || now - slot.started < kFastFailure) {
            slot.next_spawn = now + backoff(slot.fast_failures++);
            if (!stopping_ && slot.fast_failures > 1)
                spdlog::warn("worker {} keeps failing at start; next try in {} ms", slot.id,
                             std::chrono::duration_cast<std::chrono::milliseconds>(slot.next_spawn - now).count());
        } else {
            slot.fast_failures = 0;
            slot.next_spawn = now;
        }
    }
}

void Arbiter::manage_workers() {
    auto now = Clock::now();
    std::erase_if(slots_, [](const Slot& s) { return s.retiring && s.pid == 0; });
    for (Slot& slot : slots_)
        if (slot.pid == 0 && !slot.retiring && now >= slot.next_spawn) spawn(slot);
}

void Arbiter::begin_stop(bool graceful) {
    auto now = Clock::now();
    if (stopping_ && graceful) return;
    stopping_ = true;
    kill_deadline_ = graceful ? now + std::chrono::seconds(settings_.mercy_s) : now + kImmediateStopGrace;
    for (const Slot& slot : slots_)
        if (slot.pid > 0) ::kill(slot.pid, graceful ? SIGTERM : SIGINT);
}

void Arbiter::handle(int signal) {
    const SignalEntry* entry = find_signal(signal);
    if (!entry) return;
    if (entry->action != MasterAction::reap) spdlog::info("master got {}", entry->name);
    switch (entry->action) {
        case MasterAction::reap: break;  // reap() runs after every wake-up
        case MasterAction::graceful_stop: begin_stop(true); break;
        case MasterAction::immediate_stop: begin_stop(false); break;
        case MasterAction::reload: spdlog::warn("graceful reload is not available in this build; ignored"); break;
        case MasterAction::reopen_logs: break;
        case MasterAction::add_worker:
            if (!stopping_) slots_.push_back(Slot{.id = static_cast<int>(slots_.size()) + 1});
            break;
        case MasterAction::remove_worker: {
            auto it = std::find_if(slots_.rbegin(), slots_.rend(), [](const Slot& s) { return !s.retiring; });
            if (!stopping_ && it != slots_.rend() && slots_.size() > 1) {
                it->retiring = true;
                if (it->pid > 0) ::kill(it->pid, SIGTERM);
            }
            break;
        }
    }
}

int Arbiter::run() {
    master_pid_ = ::getpid();
    SignalQueue signals;
    if (settings_.auto_procname) proctitle::set(settings_.procname_prefix + "appserver: master");
    for (int i = 1; i <= settings_.processes; ++i) slots_.push_back(Slot{.id = i});
    manage_workers();
    for (;;) {
        for (int sig : signals.wait(stopping_ ? 100 : 1000)) handle(sig);
        reap();
        if (stopping_) {
            if (alive() == 0) break;
            if (!killed_ && Clock::now() >= kill_deadline_) {
                spdlog::warn("workers still busy after the grace period: killing them");
                for (const Slot& slot : slots_)
                    if (slot.pid > 0) ::kill(slot.pid, SIGKILL);
                killed_ = true;
            }
            continue;
        }
        manage_workers();
    }
    spdlog::info("master exiting");
    return 0;
}

}  // namespace appserver
