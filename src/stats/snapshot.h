#pragma once
// One reading of everything the stats server, /metrics and the SIGUSR2 table show: the scoreboard's
// slots and counters, the master's own facts, each listening socket's kernel queue and each
// worker's memory (/proc). Taken by the master when a stats client asks (never per request);
// the renderers (uwsgi_json, prometheus, worker_table) are pure functions of it.

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "os/scoreboard.h"

namespace appserver::stats {

struct CoreSnapshot {
    int id = 0;
    std::uint64_t requests = 0;
    std::uint64_t static_requests = 0;  // the worker's, shown on core 0 (the event loop serves them)
    std::uint64_t exceptions = 0;
    std::uint64_t write_errors = 0;
    std::uint64_t tx = 0;
    std::uint64_t rx = 0;
    std::uint64_t running_us = 0;
    std::uint64_t avg_rt_us = 0;
    bool in_request = false;
    std::string method;  // of the current request, when in_request
    std::string uri;
    std::int64_t started_unix_us = 0;
};

struct WorkerSnapshot {
    int id = 0;
    pid_t pid = 0;
    bool accepting = false;
    std::string status;          // idle, busy, cheap, stopping
    std::uint64_t requests = 0;  // since this process was spawned
    std::uint64_t exceptions = 0;
    std::uint64_t harakiri_count = 0;
    std::uint64_t respawn_count = 0;
    std::uint64_t tx = 0;
    std::uint64_t running_us = 0;
    std::uint64_t avg_rt_us = 0;
    std::int64_t last_spawn = 0;  // unix seconds
    std::uint64_t rss = 0;        // bytes
    std::uint64_t vsz = 0;
    std::vector<CoreSnapshot> cores;
    int busy_cores() const;
};

struct SocketSnapshot {
    std::string name;
    std::string proto;  // "http" or "uwsgi"
    bool queue_known = false;
    std::uint64_t queue = 0;
    std::uint64_t max_queue = 0;
};

// Totals over every slot of the board since the master started (Prometheus counters never go
// back: a respawned worker's counts stay in its cores).
struct Totals {
    std::array<std::uint64_t, 5> status_class{};   // answers of the application (or the 500 for none)
    std::array<std::uint64_t, 5> refused_class{};  // answers of the server before the application
    std::array<std::uint64_t, 5> static_class{};   // static files answered by the event loops
    std::array<std::uint64_t, kDurationBuckets.size() + 1> duration{};  // not cumulative
    std::uint64_t requests = 0;
    std::uint64_t exceptions = 0;
    std::uint64_t write_errors = 0;
    std::uint64_t running_us = 0;
    std::uint64_t tx = 0;
    std::uint64_t rx = 0;
    std::uint64_t respawns = 0;
    std::uint64_t harakiri = 0;
    int in_flight = 0;
};

// One spooler process (uWSGI's "spoolers" entries).
struct SpoolerSnapshot {
    std::string dir;
    pid_t pid = 0;  // 0 while it is being respawned
    std::uint64_t tasks = 0;     // run by this process (SPOOL_OK, RETRY...)
    std::uint64_t respawns = 0;  // of this slot
    bool running = false;        // inside a task now
};

struct StatsSnapshot {
    std::string version;
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string cwd;
    std::string runtime;  // AppRuntime::describe(), e.g. "Python 3.11.2 (/usr/bin/python3)"
    std::int64_t started_unix = 0;
    std::int64_t taken_unix_us = 0;         // when this snapshot was taken
    std::uint64_t listen_queue = 0;         // the largest queue of any socket (uWSGI's figure)
    std::uint64_t listen_queue_errors = 0;  // times the master found a socket's queue full
    std::vector<SocketSnapshot> sockets;
    std::vector<WorkerSnapshot> workers;
    std::vector<SpoolerSnapshot> spoolers;
    Totals totals;
};

// What the master knows that the board does not.
struct MasterFacts {
    std::string version;
    std::string runtime;
    std::int64_t started_unix = 0;
    std::uint64_t listen_queue_errors = 0;
    std::vector<SocketSnapshot> sockets;         // queues filled in already
    std::vector<std::pair<int, pid_t>> workers;  // the live slots: id, pid (0: being respawned)
    std::vector<SpoolerSnapshot> spoolers;
    bool stopping = false;
};

// Reads `board` (which may be null: no workers shown) and /proc.
StatsSnapshot take_snapshot(const Scoreboard* board, const MasterFacts& facts);

// One worker's slot as a snapshot (no /proc reading).
WorkerSnapshot read_worker(const Scoreboard& board, int id, pid_t pid);

}  // namespace appserver::stats
