#include "master/arbiter.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"
#include "appserver/api_mules.h"
#include "master/mule_queues.h"
#include "master/respawn_policy.h"
#include "os/daemon.h"
#include "os/heap_retention.h"
#include "os/pidfile.h"
#include "os/proctitle.h"
#include "os/signals.h"

namespace appserver {
namespace {

// In a mule: the runtime that runs the handlers of the uWSGI signals it receives (the mule's
// message wait hands them over through a plain function pointer).
AppRuntime* mule_signal_runtime = nullptr;
void run_mule_signal(int num) {
    if (mule_signal_runtime) mule_signal_runtime->handle_signal(num);
}

constexpr auto kImmediateStopGrace = std::chrono::seconds(3);
// How long a reload's report waits for the old workers to stop accepting.
constexpr auto kReloadSwitchLimit = std::chrono::seconds(5);

std::string describe_exit(int status) {
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with code " + std::to_string(WEXITSTATUS(status));
}

// What uWSGI's workers[0].requests counts: every worker's finished requests since the start (the
// scoreboard's counters survive a worker's respawn). Read in a worker, through the inherited board.
std::uint64_t instance_requests() {
    const Scoreboard* board = Scoreboard::current();
    if (board == nullptr) return 0;
    std::uint64_t total = 0;
    for (int id = 1; id <= board->workers(); ++id)
        for (const RequestSlot& r : board->requests(id)) total += r.requests.load(std::memory_order_relaxed);
    return total;
}

}  // namespace

Arbiter::Arbiter(ArbiterSettings settings, std::vector<ListenSocket>& listeners, AppRuntime* runtime,
                 SignalQueue& signals)
    : settings_(std::move(settings)),
      listeners_(listeners),
      runtime_(runtime),
      signals_(signals),
      daemons_(std::move(settings_.daemons)),
      mules_(runtime, settings_.auto_procname, settings_.procname_prefix) {
    // A mule serves no request: it holds no listening socket (uWSGI closes them too), no ready pipe.
    mules_.set_child_cleanup([this] {
        release_in_child();
        mule_signal_runtime = runtime_;
        api::set_mule_signal_runner(run_mule_signal);
    });
}

void Arbiter::release_in_child() {
    notify().close_in_child();
    for (ListenSocket& l : listeners_) l.fd.reset();
    ready_read_.reset();
    ready_write_.reset();
    stats_server_.close_in_child();
    if (settings_.signal_hub) settings_.signal_hub->enter_child();
}

void Arbiter::register_signal_receivers() {
    if (!signal_dispatcher_.active()) return;
    if (int fd = spoolers_.signal_channel(); fd >= 0) signal_dispatcher_.add_receiver({"spooler", "", fd});
    if (MuleQueues* queues = MuleQueues::current())
        for (auto [id, fd] : queues->signal_channels()) {
            if (id == 0)
                signal_dispatcher_.add_receiver({"mule", "", fd});  // whichever mule reads first
            else
                signal_dispatcher_.add_receiver({"mule" + std::to_string(id), "mules", fd});
        }
}

int Arbiter::alive() const {
    auto live_slots = std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.pid > 0; });
    return static_cast<int>(live_slots) + static_cast<int>(old_workers_.size() + retiring_.size()) +
           daemons_.running() + spoolers_.alive() + mules_.alive();
}

void Arbiter::run_worker_process(const Slot& slot) {
    // fork_child has reset the master's signal handlers and installed the worker's.
    // A worker must not outlive its master.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != master_pid_) ::_exit(0);
    notify().close_in_child();
    ready_read_.reset();
    stats_server_.close_in_child();
    if (settings_.signal_hub) settings_.signal_hub->enter_worker(slot.id);
    keep_freed_heap(kWorkerHeapBlock);  // request buffers stay mapped between requests
    if (MuleQueues* mule_queues = MuleQueues::current()) mule_queues->close_others(0);  // it only sends
    runtime_->set_worker(WorkerFacts{.id = slot.id, .total_requests = instance_requests});
    runtime_->after_fork_child();
    if (settings_.auto_procname)
        proctitle::set(settings_.process_title("appserver: worker " + std::to_string(slot.id)));
    if (settings_.lazy_apps) {
        std::string error;
        if (!runtime_->load_app(error)) {
            spdlog::error("worker {}: {}", slot.id, error);
            spdlog::default_logger()->flush();
            ::_exit(kWorkerBootFailed);
        }
    }
    WorkerSettings ws = settings_.worker;
    ws.id = slot.id;
    ws.master_pid = master_pid_;
    ws.ready_fd = ready_write_.get();
    if (SignalHub* hub = settings_.signal_hub) {
        ws.signal_pool_fd = hub->pool_worker_end();
        ws.signal_own_fd = hub->worker_end(slot.id);
    }
    if (ws.max_requests > 0) ws.max_requests += slot.id * settings_.max_requests_delta;
    if (ws.max_lifetime_s > 0) ws.max_lifetime_s += (slot.id - 1) * settings_.max_lifetime_delta_s;
    // Under lazy-apps only the workers import the app, so one of them watches its modules.
    if (settings_.lazy_apps && slot.id == 1) ws.py_autoreload_s = settings_.py_autoreload_s;
    int code = 0;
    {
        Worker worker(ws, listeners_, *runtime_);
        code = worker.run();
    }
    runtime_->shutdown();
    spdlog::default_logger()->flush();
    ::_exit(code);
}

void Arbiter::spawn(Slot& slot) {
    if (std::string error; settings_.signal_hub && !settings_.signal_hub->ensure_worker_channel(slot.id, error))
        spdlog::error("worker {}: no signal channel: {}", slot.id, error);  // it gets pool signals only
    runtime_->before_fork();
    pid_t pid = fork_child(ChildRole::worker);
    if (pid == 0) run_worker_process(slot);
    runtime_->after_fork_parent();
    if (pid < 0) {
        spdlog::error("{}", log::syscall_error("fork", "worker " + std::to_string(slot.id), errno));
        slot.next_spawn = Clock::now() + respawn_backoff(slot.boot_failures++);
        return;
    }
    slot.pid = pid;
    slot.ready = false;
    slot.started = Clock::now();
    if (Scoreboard* board = harakiri_backstop_.board(); board && board->worker(slot.id)) {
        WorkerSlot& ws = *board->worker(slot.id);
        std::uint64_t total = 0;
        for (const RequestSlot& r : board->requests(slot.id)) total += r.requests.load(std::memory_order_relaxed);
        ws.requests_at_spawn.store(total, std::memory_order_relaxed);
        bump(ws.respawn_count);
        ws.last_spawn.store(static_cast<std::int64_t>(::time(nullptr)), std::memory_order_relaxed);
    }
    spdlog::info("worker {} started (pid {})", slot.id, pid);
}

void Arbiter::reap() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        if (pid == reload_check_pid_) {
            finish_reload_check(status);
            continue;
        }
        if (daemons_.on_exit(pid, status, Clock::now())) continue;
        if (spoolers_.on_child_exit(pid, status, stopping_)) continue;
        if (mules_.on_child_exit(pid, status, Clock::now())) continue;
        std::erase(old_accepting_, pid);
        if (cron_commands_.on_child_exit(pid, status)) continue;
        if (retiring_.remove(pid)) {
            spdlog::info("retired worker (pid {}) {}", pid, describe_exit(status));
            continue;
        }
        if (auto old = std::find(old_workers_.begin(), old_workers_.end(), pid); old != old_workers_.end()) {
            old_workers_.erase(old);
            spdlog::info("worker of the previous generation (pid {}) {}", pid, describe_exit(status));
            if (!runtime_)  // degraded: said each time, the site shrinks until a reload loads
                spdlog::error("this master could not load its configuration after a reload and cannot start a "
                              "replacement: {} worker(s) left; fix the configuration and reload",
                              old_workers_.size());
            continue;
        }
        auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) { return s.pid == pid; });
        if (it == slots_.end()) continue;  // not one of ours (e.g. a process the app spawned)
        Slot& slot = *it;
        bool reported_ready = slot.ready;
        slot.pid = 0;
        slot.ready = false;
        auto now = Clock::now();
        bool clean = WIFEXITED(status) &&
                     (WEXITSTATUS(status) == kWorkerRecycled || WEXITSTATUS(status) == kWorkerHarakiri);
        bool boot_failed = WIFEXITED(status) && WEXITSTATUS(status) == kWorkerBootFailed;
        if (WIFEXITED(status) && WEXITSTATUS(status) == kWorkerHarakiri)
            if (Scoreboard* board = harakiri_backstop_.board(); board && board->worker(slot.id))
                bump(board->worker(slot.id)->harakiri_count);
        if (!stopping_) {
            if (clean)
                spdlog::info("worker {} (pid {}) {}", slot.id, pid, describe_exit(status));
            else
                spdlog::warn("worker {} (pid {}) {}", slot.id, pid, describe_exit(status));
        }
        if (boot_failed && !serving_ && !stopping_ && daemon::awaiting_report()) {
            // A daemonized start whose app cannot load in the workers (lazy-apps): the start failed.
            daemon::report_failure("worker " + std::to_string(slot.id) +
                                   " failed to load the application (see the log); stopping");
            begin_stop(false);
        }
        RespawnDecision next = decide_respawn(
            {.reported_ready = reported_ready, .boot_failed = boot_failed, .started = slot.started},
            slot.boot_failures, now);
        slot.next_spawn = next.next_spawn;
        slot.boot_failures = next.boot_failures;
        if (next.backing_off && !stopping_ && slot.boot_failures > 1)
            spdlog::warn(
                "worker {} keeps failing at start; next try in {} ms", slot.id,
                std::chrono::duration_cast<std::chrono::milliseconds>(slot.next_spawn - now).count());
    }
}

void Arbiter::read_ready_reports() {
    pid_t messages[64];
    for (;;) {
        ssize_t n = ::read(ready_read_.get(), messages, sizeof messages);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(pid_t)); ++i) {
            pid_t message = messages[i];
            if (message < 0) {
                std::erase(old_accepting_, -message);  // an old worker no longer takes connections
                // Stopped accepting (recycling): its slot is refilled now, not when it exits.
                if (!stopping_) retire(-message, "stopped accepting");
                continue;
            }
            for (Slot& s : slots_)
                if (s.pid == message) s.ready = true;
        }
    }
    if (serving_ || stopping_) return;
    bool all_ready = std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.ready || s.cheap; });
    if (!all_ready) return;
    serving_ = true;
    // New workers serve: the previous generation may now finish its requests and leave.
    auto kill_at = Clock::now() + std::chrono::seconds(settings_.mercy_s);
    for (pid_t pid : old_workers_) {
        ::kill(pid, SIGTERM);
        retiring_.add(pid, kill_at);
    }
    if (!old_workers_.empty())
        spdlog::info("retiring {} worker(s) of the previous generation", old_workers_.size());
    old_workers_.clear();
    if (settings_.generation > 0) {
        // Reported done once no old worker takes connections (each says so on the ready pipe, or
        // exits): `--reload` returning means new connections get the new code. One busy in a long
        // request takes none meanwhile, so the wait is bounded.
        reload_report_pending_ = true;
        reload_report_due_ = Clock::now() + kReloadSwitchLimit;
        report_reload_when_switched(false);
    }
    if (reload_when_serving_) {
        reload_when_serving_ = false;
        request_reload("requested during start-up");
    }
}

void Arbiter::manage_workers() {
    if (!runtime_) return;  // degraded: nothing to fork new workers from
    spoolers_.manage(*runtime_, master_pid_, settings_.lazy_apps, settings_.procname_prefix, settings_.auto_procname);
    auto now = Clock::now();
    for (Slot& slot : slots_)
        if (slot.pid == 0 && !slot.cheap && now >= slot.next_spawn) spawn(slot);
}

void Arbiter::signal_workers(int sig) {
    for (const Slot& slot : slots_)
        if (slot.pid > 0) ::kill(slot.pid, sig);
    for (pid_t pid : old_workers_) ::kill(pid, sig);
    for (pid_t pid : retiring_.pids()) ::kill(pid, sig);
}

void Arbiter::retire(pid_t pid, const char* why) {
    auto it = std::find_if(slots_.begin(), slots_.end(), [pid](const Slot& s) { return s.pid == pid; });
    if (it == slots_.end()) return;  // already retired (SIGTTOU) or reaped
    spdlog::info("worker {} (pid {}) {}: starting its replacement; it has {} s to finish", it->id, pid, why,
                 settings_.mercy_s);
    retiring_.add(pid, Clock::now() + std::chrono::seconds(settings_.mercy_s));
    it->pid = 0;
    it->ready = false;
    it->boot_failures = 0;  // it served
    it->next_spawn = Clock::now();
}

void Arbiter::kill_overdue_retirees() {
    for (pid_t pid : retiring_.overdue(Clock::now())) {
        spdlog::warn("retiring worker (pid {}) still running after worker-reload-mercy ({} s): killing it",
                     pid, settings_.mercy_s);
        ::kill(pid, SIGKILL);
    }
}

void Arbiter::begin_stop(bool graceful) {
    auto now = Clock::now();
    if (stopping_ && graceful) return;
    stopping_ = true;
    reexec_pending_ = false;  // a reload waiting for its daemons: the stop wins
    notify().stopping();
    kill_deadline_ = graceful ? now + std::chrono::seconds(settings_.mercy_s) : now + kImmediateStopGrace;
    signal_workers(graceful ? SIGTERM : SIGINT);
    daemons_.begin_stop();
    spoolers_.signal_all(graceful ? SIGTERM : SIGINT);  // graceful: each finishes its current task
    cron_commands_.stop(false);
    mules_.stop(graceful, now);
    // A reload check in progress checks for nothing now; it must not outlive the master.
    if (reload_check_pid_ > 0) ::kill(reload_check_pid_, SIGKILL);
}

void Arbiter::handle(int signal) {
    const SignalEntry* entry = find_signal(signal);
    if (!entry) {
        spdlog::info("master got {}: ignored", signal_name(signal));
        return;
    }
    if (entry->action != MasterAction::reap) spdlog::info("master got {}", entry->name);
    switch (entry->action) {
        case MasterAction::reap: break;  // reap() runs after every wake-up
        case MasterAction::graceful_stop: begin_stop(true); break;
        case MasterAction::immediate_stop: begin_stop(false); break;
        case MasterAction::reload: request_reload(std::string(entry->name)); break;
        case MasterAction::dump_stats: dump_worker_table(); break;
        case MasterAction::reopen_logs:
            log::reopen_output();
            signal_workers(SIGUSR1);
            spoolers_.reopen_logs();
            break;
        case MasterAction::add_worker:
            if (!stopping_ && runtime_) slots_.push_back(Slot{.id = static_cast<int>(slots_.size()) + 1});
            break;
        case MasterAction::remove_worker:
            if (!stopping_ && slots_.size() > 1) {
                pid_t pid = slots_.back().pid;
                if (pid > 0) {
                    ::kill(pid, SIGTERM);
                    retiring_.add(pid, Clock::now() + std::chrono::seconds(settings_.mercy_s));
                }
                slots_.pop_back();
            }
            break;
    }
}

int Arbiter::run(const std::function<void()>& on_serving) {
    master_pid_ = ::getpid();
    if (!ready_read_ || !ready_write_) {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
            spdlog::critical("{}", log::syscall_error("pipe2", "", errno));
            return 1;
        }
        ready_read_.reset(fds[0]);
        ready_write_.reset(fds[1]);
    }
    if (settings_.auto_procname)
        proctitle::set(settings_.process_title(settings_.procname_master.empty() ? "appserver: master"
                                                                                 : settings_.procname_master));
    if (runtime_)
        for (int i = 1; i <= settings_.processes; ++i)
            slots_.push_back(Slot{.id = i, .cheap = settings_.cheaper.enabled() && i > settings_.cheaper.initial});
    touch_watch_.watch(settings_.touch_reload);
    if (settings_.py_autoreload_s > 0 && runtime_) {
        code_watch_.watch(runtime_->source_files());
        next_code_check_ = Clock::now() + std::chrono::seconds(settings_.py_autoreload_s);
    }
    // A graceful harakiri attempt gives the worker harakiri-graceful-timeout more before it ends itself.
    harakiri_backstop_.open(settings_.processes, settings_.worker.threads,
                            settings_.worker.harakiri_s > 0
                                ? settings_.worker.harakiri_s + settings_.worker.harakiri_graceful_s
                                : 0);
    started_unix_ = static_cast<std::int64_t>(::time(nullptr));
    signal_dispatcher_.start(runtime_ ? settings_.signal_hub : nullptr, [this](int id) {
        return std::any_of(slots_.begin(), slots_.end(), [id](const Slot& s) { return s.id == id && s.pid > 0; });
    });
    register_signal_receivers();
    cron_commands_ = CronCommands(settings_.crons);
    for (const auto& [spec, kind] : settings_.stats_endpoints) {
        std::string error;
        if (stats_server_.listen(spec, kind, error)) continue;
        // At start the site does not come up half-configured. After a reload the workers of the
        // previous generation are serving: they are not taken down for a stats address.
        if (settings_.generation == 0) {
            spdlog::critical("stats server: {}", error);
            return 1;
        }
        spdlog::error("stats server: {}; serving without it", error);
    }
    // Signals that arrived during start-up (a SIGTERM: stop before forking anything).
    for (int sig : signals_.wait(0)) handle(sig);
    if (!stopping_) manage_workers();
    bool announced = false;
    auto last_watch = Clock::now();
    for (;;) {
        std::vector<pollfd> stats_fds;
        stats_server_.poll_set(stats_fds);
        signal_dispatcher_.poll_set(stats_fds);  // after the stats server's: it serves by index from 0
        int wait_ms = signal_dispatcher_.wait_ms(Clock::now(), stopping_ || !serving_ || reexec_pending_ ? 100 : 1000);
        auto ping_in = std::chrono::ceil<std::chrono::milliseconds>(notify().until_due(Clock::now()));
        if (ping_in.count() < wait_ms) wait_ms = static_cast<int>(ping_in.count());
        for (int sig : signals_.wait(wait_ms, ready_read_.get(), stats_fds)) handle(sig);
        stats_server_.serve(stats_fds, 0);
        signal_dispatcher_.on_poll(stats_fds);
        signal_dispatcher_.tick(Clock::now(), ::time(nullptr));
        if (!stopping_) cron_commands_.tick(::time(nullptr));
        // Ready reports first: a worker that reported ready and then died at once served (or could
        // have), and is respawned without back-off.
        if (runtime_) read_ready_reports();
        reap();
        report_reload_when_switched(false);
        harakiri_backstop_.check(Clock::now());
        // log-maxsize: only the master renames, so several workers never rotate one file twice;
        // they reopen on the SIGUSR1 that follows (lines written meanwhile end the old file).
        if (settings_.log_maxsize > 0 && log::rotate_over(settings_.log_maxsize)) {
            signal_workers(SIGUSR1);
            spoolers_.reopen_logs();
        }
        notify().tick(Clock::now(), [this] { return status_line(); });
        if (serving_ && !announced) {
            announced = true;
            // A reload is ready when it is reported done (report_reload_when_switched). Before
            // on_serving: a daemonized master names itself (MAINPID) before its parent exits.
            if (settings_.generation == 0) notify().ready(Clock::now(), status_line());
            on_serving();
            daemons_.start(Clock::now());
        }
        kill_overdue_retirees();
        mules_.tick(Clock::now());
        if (stopping_) {
            if (alive() == 0) break;
            if (!killed_ && Clock::now() >= kill_deadline_) {
                spdlog::warn("workers still busy after the grace period: killing them");
                signal_workers(SIGKILL);
                daemons_.kill_remaining();
                spoolers_.signal_all(SIGKILL);
                mules_.kill_all();
                killed_ = true;
            }
            continue;
        }
        manage_workers();
        if (reload_check_pid_ > 0) kill_overdue_reload_check();
        if (reexec_pending_) reexec_when_daemons_stopped();
        daemons_.tick(Clock::now());
        if (Clock::now() - last_watch >= std::chrono::seconds(1)) {
            last_watch = Clock::now();
            check_watched_files();
            check_listen_queues();
            adapt_worker_count();
        }
    }
    cron_commands_.stop(true);  // a run that ignored SIGTERM does not outlive the server
    spdlog::info("master exiting");
    return 0;
}

}  // namespace appserver
