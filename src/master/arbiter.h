#pragma once
// The master: forks the workers, replaces those that die (with back-off when they die at start),
// reloads by re-executing itself, and stops in stages. It never serves requests; signals reach it
// through a self-pipe and are handled in one place.

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "appserver/app_runtime.h"
#include "master/attached_daemons.h"
#include "master/cheaper.h"
#include "master/cron_commands.h"
#include "master/harakiri_backstop.h"
#include "master/mule_queues.h"
#include "master/mules.h"
#include "master/retiring_workers.h"
#include "master/service_notify.h"
#include "master/signal_dispatcher.h"
#include "master/spoolers.h"
#include "master/stats_server.h"
#include "stats/snapshot.h"
#include "os/file_watch.h"
#include "os/listen_socket.h"
#include "os/signals.h"
#include "os/unique_fd.h"
#include "worker/exit_codes.h"
#include "worker/worker.h"

namespace appserver {

struct ArbiterSettings {
    int processes = 1;
    int mercy_s = 60;  // graceful stop/reload: how long in-flight requests may take
    bool lazy_apps = false;
    bool auto_procname = false;
    std::string procname_prefix;
    std::string procname_append;
    std::string procname_master;  // the master's name instead of "appserver: master"
    // A process's name as uWSGI builds it: prefix + name + append.
    std::string process_title(const std::string& name) const { return procname_prefix + name + procname_append; }
    int max_requests_delta = 0;      // worker i recycles after max_requests + i * delta
    int max_lifetime_delta_s = 0;    // worker i recycles after max_lifetime_s + (i - 1) * delta (uWSGI's)
    std::string reload_status_file;  // where --reload reads the outcome (next to the pidfile)
    // The previous image's status file: the reload that started this image is answered there too,
    // where its --reload waits, even when the new configuration moved the pidfile.
    std::string answer_reload_to;
    int generation = 0;              // reloads so far
    std::vector<std::string> touch_reload;
    int py_autoreload_s = 0;
    std::uint64_t log_maxsize = 0;  // rotate log files past this size (0: never)
    // stats / stats-http / stats-prometheus addresses.
    std::vector<std::pair<std::string, StatsServer::Kind>> stats_endpoints;
    std::vector<DaemonSpec> daemons;  // attach-daemon & co.
    CheaperSettings cheaper;          // adaptive worker count (off unless `cheaper`)
    WorkerSettings worker;
    SpoolerSettings spooler;  // no dirs: no spooler
    SignalHub* signal_hub = nullptr;   // uWSGI signals (made before the app import); null: none
    std::vector<cron::Command> crons;  // cron / unique-cron / cron2
    ServiceNotify* notify = nullptr;   // systemd's Type=notify (owned by run_server); null: none
};

class Arbiter {
public:
    // `signals` was installed before the app import: what arrived during start-up is handled first.
    Arbiter(ArbiterSettings settings, std::vector<ListenSocket>& listeners, AppRuntime* runtime,
            SignalQueue& signals);
    // Workers of the previous image (after a reload): retired once this image's workers serve.
    // `accepting`: those that still take connections (the reload is reported done once they stop).
    void adopt_old_workers(const std::vector<pid_t>& pids, const std::vector<pid_t>& accepting) {
        old_workers_ = pids;
        old_accepting_ = accepting;
    }
    // The ready pipe of the previous image, which its workers still write to (see Inheritance).
    void adopt_ready_pipe(int read_end, int write_end) {
        ready_read_.reset(read_end);
        ready_write_.reset(write_end);
    }
    // Records a reload that failed before this image could take over (old workers keep serving).
    void note_failed_reload(const std::string& reason);
    // Runs until stopped; `on_serving` runs once when every first worker is ready. Returns the
    // master's exit code.
    int run(const std::function<void()>& on_serving);

private:
    struct Slot {
        int id = 0;
        pid_t pid = 0;
        bool ready = false;
        Clock::time_point started{};  // when its worker was forked (respawn rate)
        Clock::time_point next_spawn{};
        int boot_failures = 0;
        bool cheap = false;  // cheaper: no worker wanted in this slot now
    };

    void spawn(Slot& slot);
    [[noreturn]] void run_worker_process(const Slot& slot);
    void reap();
    void read_ready_reports();
    void report_reload_when_switched(bool now);
    void retire(pid_t pid, const char* why);
    void kill_overdue_retirees();
    void manage_workers();
    void handle(int signal);
    void begin_stop(bool graceful);
    void request_reload(const std::string& why);
    void finish_reload_check(int status);
    // The check passed and the attached daemons were told to stop: re-exec once they ended or
    // their time is up (called from the loop, which goes on meanwhile).
    void reexec_when_daemons_stopped();
    void kill_overdue_reload_check();
    void reexec_now();  // returns only when the re-exec failed (this image goes on)
    void run_queued_reload(const char* why);  // the reload asked for while one was under way
    void write_reload_status(bool ok, const std::string& detail);
    void check_watched_files();
    void signal_workers(int sig);
    int alive() const;
    stats::StatsSnapshot snapshot();
    std::string render_stats(StatsServer::Document document);
    void check_listen_queues();
    void dump_worker_table();
    // "2 workers, 0 busy": the service manager's status line.
    std::string status_line() const;
    ServiceNotify& notify() { return settings_.notify ? *settings_.notify : no_notify_; }
    // cheaper: once a second, start or stop workers as the algorithm says.
    void adapt_worker_count();
    // In a forked child that serves no request (spooler, mule): closes what it must not keep of
    // the master's (listening sockets, the ready pipe, the stats server, the master's signal ends).
    void release_in_child();
    // uWSGI signal targets that other units own ("spooler", "mule", "muleN", "mules").
    void register_signal_receivers();

    ArbiterSettings settings_;
    ServiceNotify no_notify_;  // sends nothing: when run_server gave none
    std::vector<ListenSocket>& listeners_;
    AppRuntime* runtime_;  // null in a degraded image that only supervises adopted workers
    SignalQueue& signals_;
    std::vector<Slot> slots_;
    std::vector<pid_t> old_workers_;  // of the previous image, serving until this one serves
    std::vector<pid_t> old_accepting_;  // of those, the ones not yet known to have stopped accepting
    bool reload_report_pending_ = false;  // generation > 0 serves; reported once old_accepting_ is empty
    Clock::time_point reload_report_due_{};  // ... or at this time at the latest
    RetiringWorkers retiring_;        // stopped accepting; killed after the mercy
    UniqueFd ready_read_;
    UniqueFd ready_write_;
    pid_t master_pid_ = 0;
    pid_t reload_check_pid_ = 0;
    UniqueFd reload_check_report_;  // why the check refused, one line
    // The check is killed past this (worker-reload-mercy after it started): an import that never
    // returns (a database connect at import time) must not swallow every later reload.
    Clock::time_point reload_check_deadline_{};
    bool reload_check_timed_out_ = false;
    bool reload_again_ = false;
    bool reexec_pending_ = false;  // waiting for the attached daemons before re-executing
    Clock::time_point reexec_deadline_{};
    bool reload_when_serving_ = false;  // asked for during start-up or a reload: runs once serving
    bool serving_ = false;
    bool stopping_ = false;
    bool killed_ = false;
    Clock::time_point kill_deadline_{};
    FileWatch touch_watch_;
    FileWatch code_watch_;
    HarakiriBackstop harakiri_backstop_;  // kills workers too frozen to end themselves
    AttachedDaemons daemons_;
    Cheaper cheaper_{settings_.cheaper};
    Mules mules_;
    Clock::time_point next_code_check_{};
    StatsServer stats_server_{[this](StatsServer::Document d) { return render_stats(d); }};
    std::int64_t started_unix_ = 0;
    std::uint64_t listen_queue_full_ = 0;  // samples that found a socket's queue full
    std::vector<bool> queue_was_full_;     // per listener, so "full" is logged once per episode
    // What a forked spooler must not keep of the master's.
    Spoolers spoolers_{settings_.spooler, [this] {
                           release_in_child();
                           if (MuleQueues* queues = MuleQueues::current()) queues->close_others(0);  // it only sends
                       }};
    SignalDispatcher signal_dispatcher_;   // routes uWSGI signals; timers, crons, file monitors
    CronCommands cron_commands_;
};

}  // namespace appserver
