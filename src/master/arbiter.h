#pragma once
// The master: forks the workers, replaces those that die (with back-off when they die at start),
// and stops them in stages. It never serves requests; signals reach it through a self-pipe.

#include <sys/types.h>

#include <string>
#include <vector>

#include "appserver/app_runtime.h"
#include "os/listen_socket.h"
#include "worker/worker.h"

namespace appserver {

// Exit code of a worker that could not start (e.g. the app failed to import in lazy-apps mode):
// the master backs off instead of respawning it in a tight loop.
inline constexpr int kWorkerBootFailed = 3;

struct ArbiterSettings {
    int processes = 1;
    int mercy_s = 60;            // graceful stop: how long in-flight requests may take
    bool lazy_apps = false;
    bool auto_procname = false;
    std::string procname_prefix;
    WorkerSettings worker;
};

class Arbiter {
public:
    Arbiter(ArbiterSettings settings, std::vector<ListenSocket>& listeners, AppRuntime& runtime);
    // Runs until stopped; returns the master's exit code.
    int run();

private:
    struct Slot {
        int id = 0;
        pid_t pid = 0;
        Clock::time_point started{};
        Clock::time_point next_spawn{};
        int fast_failures = 0;
        bool retiring = false;  // removed by SIGTTOU: not respawned
    };

    void spawn(Slot& slot);
    [[noreturn]] void run_worker_process(const Slot& slot);
    void reap();
    void manage_workers();
    void handle(int signal);
    void begin_stop(bool graceful);
    int alive() const;

    ArbiterSettings settings_;
    std::vector<ListenSocket>& listeners_;
    AppRuntime& runtime_;
    std::vector<Slot> slots_;
    pid_t master_pid_ = 0;
    bool stopping_ = false;
    bool killed_ = false;
    Clock::time_point kill_deadline_{};
};

}  // namespace appserver
