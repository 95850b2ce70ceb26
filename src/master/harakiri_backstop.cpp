#include "master/harakiri_backstop.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "os/proc_stat.h"

namespace appserver {
namespace {

// Room for workers added at run time (SIGTTIN) beyond `processes`; a worker beyond it is guarded
// by its own watchdog only.
constexpr int kSpareWorkers = 64;

bool live_child_of_ours(pid_t pid) {
    std::optional<ProcStat> stat = read_proc_stat(pid);
    return stat && stat->state != 'Z' && stat->state != 'X' && stat->ppid == ::getpid();
}

}  // namespace

BackstopProcessOps BackstopProcessOps::real() {
    return {.is_live_child = live_child_of_ours, .kill = [](pid_t pid) { ::kill(pid, SIGKILL); }};
}

int HarakiriBackstop::grace_s(int harakiri_s) { return std::clamp(harakiri_s / 2, 1, 5); }

void HarakiriBackstop::open(int processes, int threads, int harakiri_s) {
    std::string error;
    owned_ = Scoreboard::create(processes + kSpareWorkers, threads, error);
    if (!owned_) spdlog::error("scoreboard: {}; harakiri relies on each worker's own watchdog", error);
    watch(owned_.get(), harakiri_s);
}

void HarakiriBackstop::watch(Scoreboard* board, int harakiri_s) {
    board_ = board;
    harakiri_s_ = harakiri_s;
    limit_ms_ = harakiri_s > 0 ? static_cast<std::int64_t>(harakiri_s + grace_s(harakiri_s)) * 1000 : 0;
}

void HarakiriBackstop::check(std::chrono::steady_clock::time_point now) {
    check_ms(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
}

void HarakiriBackstop::check_ms(std::int64_t now_ms) {
    if (!board_ || limit_ms_ == 0 || now_ms < next_check_ms_) return;
    next_check_ms_ = now_ms + 1000;
    for (int id = 1; id <= board_->workers(); ++id) {
        pid_t pid = board_->worker(id)->pid.load(std::memory_order_acquire);
        if (pid <= 0) continue;
        for (RequestSlot& request : board_->requests(id)) {
            std::int64_t started = request.started_ms.load(std::memory_order_acquire);
            if (started == 0 || now_ms - started <= limit_ms_) continue;
            if (!ops_.is_live_child(pid)) {
                // The worker is gone and its slot not yet taken over: forget the request, unless a
                // new worker has just written a start of its own.
                request.started_ms.compare_exchange_strong(started, 0, std::memory_order_acq_rel);
                continue;
            }
            // Still the same request (it may have ended while we looked)?
            if (request.started_ms.load(std::memory_order_acquire) != started) continue;
            Kill& last = kills_[id];
            last.tries = last.pid == pid && last.started_ms == started ? last.tries + 1 : 1;
            last.pid = pid;
            last.started_ms = started;
            spdlog::error(
                "HARAKIRI ON WORKER {} (pid {}, try {}): a request has run for {:.1f}s, past harakiri "
                "{}s + grace {}s, and the worker did not end itself (frozen?): SIGKILL",
                id, pid, last.tries, static_cast<double>(now_ms - started) / 1000.0, harakiri_s_,
                grace_s(harakiri_s_));
            ops_.kill(pid);
            bump(board_->worker(id)->harakiri_count);
            break;  // one kill per worker per check
        }
    }
}

}  // namespace appserver
