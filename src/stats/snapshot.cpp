#include "stats/snapshot.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <optional>

#include "os/monotonic_clock.h"
#include "os/proc_stat.h"

namespace appserver::stats {
namespace {

std::uint64_t get(const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); }

std::string current_dir() {
    char buf[PATH_MAX];
    return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

std::int64_t unix_now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void add_core_totals(const RequestSlot& core, Totals& t) {
    for (std::size_t i = 0; i < t.status_class.size(); ++i) t.status_class[i] += get(core.status_class[i]);
    for (std::size_t i = 0; i < t.duration.size(); ++i) t.duration[i] += get(core.duration[i]);
    t.requests += get(core.requests);
    t.exceptions += get(core.exceptions);
    t.write_errors += get(core.write_errors);
    t.running_us += get(core.running_us);
    t.tx += get(core.tx);
    t.rx += get(core.rx);
}

}  // namespace

int WorkerSnapshot::busy_cores() const {
    return static_cast<int>(
        std::count_if(cores.begin(), cores.end(), [](const CoreSnapshot& c) { return c.in_request; }));
}

WorkerSnapshot read_worker(const Scoreboard& board, int id, pid_t pid) {
    WorkerSnapshot w;
    w.id = id;
    w.pid = pid;
    const WorkerSlot* slot = board.worker(id);
    if (!slot) return w;
    // A slot whose worker has not written its pid yet (just forked) is not accepting.
    bool ours = pid > 0 && slot->pid.load(std::memory_order_acquire) == pid;
    w.accepting = ours && slot->accepting.load(std::memory_order_relaxed) != 0;
    w.harakiri_count = get(slot->harakiri_count);
    w.respawn_count = get(slot->respawn_count);
    w.last_spawn = slot->last_spawn.load(std::memory_order_relaxed);
    std::uint64_t total_requests = 0;
    std::uint64_t rt_sum = 0;
    int rt_cores = 0;
    int id_in_worker = 0;
    for (const RequestSlot& r : board.requests(id)) {
        CoreSnapshot c;
        c.id = id_in_worker++;
        c.requests = get(r.requests);
        c.exceptions = get(r.exceptions);
        c.write_errors = get(r.write_errors);
        c.tx = get(r.tx);
        c.rx = get(r.rx);
        c.running_us = get(r.running_us);
        c.avg_rt_us = get(r.avg_rt_us);
        c.in_request = ours && r.in_request.load(std::memory_order_acquire) != 0;
        if (c.in_request) {
            // The start is on the steady clock (one clock read per request): shown on the wall clock.
            std::int64_t started_steady = 0;
            if (r.current.read(c.method, c.uri, started_steady) && started_steady > 0)
                c.started_unix_us = unix_now_us() - (monotonic_us() - started_steady);
        }
        total_requests += c.requests;
        w.exceptions += c.exceptions;
        w.tx += c.tx;
        w.running_us += c.running_us;
        if (c.requests > 0) {
            rt_sum += c.avg_rt_us;
            ++rt_cores;
        }
        w.cores.push_back(std::move(c));
    }
    std::uint64_t base = get(slot->requests_at_spawn);
    w.requests = total_requests > base ? total_requests - base : 0;
    // Static files count as requests (uWSGI counts them too), and show as core 0's static_requests.
    std::uint64_t statics = 0;
    if (ours)
        for (const auto& c : slot->static_class) statics += get(c);
    w.requests += statics;
    if (ours) w.tx += get(slot->static_tx);
    if (!w.cores.empty()) w.cores.front().static_requests = statics;
    w.avg_rt_us = rt_cores > 0 ? rt_sum / static_cast<std::uint64_t>(rt_cores) : 0;
    auto status = static_cast<WorkerStatus>(slot->status.load(std::memory_order_relaxed));
    if (pid <= 0)
        w.status = "cheap";  // no process in the slot (being respawned)
    else if (w.busy_cores() > 0)
        w.status = "busy";
    else if (ours && status == WorkerStatus::stopping)
        w.status = "stopping";
    else
        w.status = "idle";
    return w;
}

StatsSnapshot take_snapshot(const Scoreboard* board, const MasterFacts& facts) {
    StatsSnapshot s;
    s.version = facts.version;
    s.runtime = facts.runtime;
    s.started_unix = facts.started_unix;
    s.pid = ::getpid();
    s.taken_unix_us = unix_now_us();
    s.uid = ::getuid();
    s.gid = ::getgid();
    s.cwd = current_dir();
    s.sockets = facts.sockets;
    s.spoolers = facts.spoolers;
    s.listen_queue_errors = facts.listen_queue_errors;
    for (const SocketSnapshot& sock : s.sockets) s.listen_queue = std::max(s.listen_queue, sock.queue);
    if (!board) return s;
    for (auto [id, pid] : facts.workers) {
        WorkerSnapshot w = read_worker(*board, id, pid);
        if (pid > 0) {
            if (std::optional<ProcMemory> mem = read_proc_memory(pid)) {
                w.rss = mem->rss_bytes;
                w.vsz = mem->vsz_bytes;
            }
        }
        if (facts.stopping && w.status == "idle") w.status = "stopping";
        s.totals.in_flight += w.busy_cores();
        s.workers.push_back(std::move(w));
    }
    for (int id = 1; id <= board->workers(); ++id) {
        const WorkerSlot* slot = board->worker(id);
        std::uint64_t spawns = get(slot->respawn_count);  // uWSGI's count: the first spawn is 1
        s.totals.respawns += spawns > 0 ? spawns - 1 : 0;
        s.totals.harakiri += get(slot->harakiri_count);
        s.totals.rx += get(slot->rx);
        for (std::size_t i = 0; i < s.totals.refused_class.size(); ++i) {
            s.totals.refused_class[i] += get(slot->refused_class[i]);
            s.totals.static_class[i] += get(slot->static_class[i]);
            s.totals.requests += get(slot->static_class[i]);
        }
        s.totals.tx += get(slot->static_tx);
        for (const RequestSlot& r : board->requests(id)) add_core_totals(r, s.totals);
    }
    return s;
}

}  // namespace appserver::stats
