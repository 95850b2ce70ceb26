#pragma once
// The signal hub: what every process of an instance shares for uWSGI's signal framework, made by
// the master BEFORE the app import (register_signal / add_timer run at import) and inherited by every
// child through fork. One owner, in the master (startup.cpp); a reload's new image makes its own.
//
// - A table in shared memory (MAP_SHARED | MAP_ANONYMOUS): per signal number, its target ("worker",
//   "workers", "worker3", "mule", "spooler"...) and a "registered" flag; then the timers, crons and
//   file monitors that any process added (append-only, at most 64 each, as uWSGI), which the master
//   picks up in its loop (that is how a worker's add_timer reaches the master, as in uWSGI).
// - Channels, one byte per signal, non-blocking unix socketpairs:
//   * the pool: the master writes a signal for "the first worker free to read it" at its end, every
//     worker watches the other end (EPOLLEXCLUSIVE); a process raises a signal by writing at the
//     workers' end, and the master reads it at its own (uWSGI's worker_signal_pipe, both ways);
//   * one per worker id, made before that worker's first fork and kept across its respawns: the
//     master writes signals for that worker ("workerN", "workers"); the worker raises through it.
// Writers never block: a full channel drops the signal, counted (api::signal_counters) and warned
// about at most once a second per process.

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"
#include "signals/cron.h"

namespace appserver {

inline constexpr int kSignalNumbers = 256;
inline constexpr int kMaxSignalSources = 64;  // per table: timers, crons, file monitors
inline constexpr std::size_t kMaxTargetLength = 63;

struct SignalTimer {
    int signal = 0;
    long interval_ms = 0;
    int iterations = 0;  // 0: for ever
};

struct SignalCron {
    int signal = 0;
    cron::Schedule when;
};

struct SignalFileMonitor {
    int signal = 0;
    char path[256] = {};
};

class SignalHub {
public:
    // In the master; nullptr with `error` when the memory or the pool channel cannot be made.
    static std::unique_ptr<SignalHub> create(std::string& error);
    ~SignalHub();
    SignalHub(const SignalHub&) = delete;
    SignalHub& operator=(const SignalHub&) = delete;
    // The hub of this process (inherited through fork); null when there is none.
    static SignalHub* current();

    // --- the shared table (any process)
    bool set_target(int num, std::string_view target, std::string& error);
    bool registered(int num) const;
    std::string target(int num) const;  // "" when registered with the default target
    bool add_timer(const SignalTimer& timer, std::string& error);
    bool add_cron(const SignalCron& entry, std::string& error);
    bool add_file_monitor(int num, std::string_view path, std::string& error);
    // What was added so far (the master reads entries [0, count)).
    int timer_count() const;
    SignalTimer timer(int i) const;
    int cron_count() const;
    SignalCron cron(int i) const;
    int file_monitor_count() const;
    std::string file_monitor_path(int i) const;
    int file_monitor_signal(int i) const;

    // --- channels
    // signal-bufsize: the socket buffers of every channel (0: the system's default).
    void set_buffer_size(int bytes);
    int pool_master_end() const { return pool_master_.get(); }
    int pool_worker_end() const { return pool_worker_.get(); }
    // In the master, before forking worker `id`: its channel exists (made on first use).
    bool ensure_worker_channel(int id, std::string& error);
    int worker_master_end(int id) const;  // -1 when none
    int worker_end(int id) const;         // -1 when none
    int worker_channels() const { return static_cast<int>(channels_.size()); }
    // In a forked worker: closes the master's ends and the other workers' ends; this worker raises
    // signals through its own channel from now on.
    void enter_worker(int id);
    // In any other child (mule, spooler, cron command): closes the master's ends and every
    // worker's end; it raises signals through the pool.
    void enter_child();

    // Sends `num` towards the master from this process; false: dropped (counted).
    bool raise(int num, std::string& error);
    // Writes `num` at `fd` without blocking; false: dropped (counted, warned at most once a second).
    bool send(int fd, int num, std::string_view to_whom);
    void count_routed();
    unsigned long long routed() const;
    unsigned long long dropped() const;

    struct Area;  // the shared memory layout (signal_hub.cpp)

private:
    SignalHub() = default;
    struct Channel {
        UniqueFd master_end;
        UniqueFd worker_end;
    };
    Area* area_ = nullptr;
    UniqueFd pool_master_;
    UniqueFd pool_worker_;
    std::vector<Channel> channels_;  // index: worker id - 1
    int raise_fd_ = -1;              // where this process raises signals
    int buffer_size_ = 0;
};

}  // namespace appserver
