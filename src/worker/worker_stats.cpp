#include "worker/worker_stats.h"

#include <unistd.h>

#include <algorithm>

#include "os/monotonic_clock.h"

namespace appserver::worker_stats {
namespace {

WorkerSlot* g_slot = nullptr;
std::span<RequestSlot> g_cores;
pid_t g_pid = 0;
thread_local RequestSlot* t_core = nullptr;

// A worker that stopped accepting has handed its id to a replacement: it no longer speaks for it.
bool owns_slot() { return g_slot && g_slot->pid.load(std::memory_order_relaxed) == g_pid; }

}  // namespace

void attach(int worker_id, bool inline_requests) {
    Scoreboard* board = Scoreboard::current();
    g_slot = board ? board->worker(worker_id) : nullptr;
    g_cores = board ? board->requests(worker_id) : std::span<RequestSlot>();
    g_pid = ::getpid();
    if (g_slot) {  // this process's static counts start from zero, as its requests do
        for (auto& c : g_slot->static_class) c.store(0, std::memory_order_relaxed);
        g_slot->static_tx.store(0, std::memory_order_relaxed);
    }
    bind_thread(inline_requests ? 0 : -1);
}

void bind_thread(int core) {
    t_core = core >= 0 && static_cast<std::size_t>(core) < g_cores.size()
                 ? &g_cores[static_cast<std::size_t>(core)]
                 : nullptr;
}

void set_accepting(bool accepting) {
    if (owns_slot()) g_slot->accepting.store(accepting ? 1 : 0, std::memory_order_relaxed);
}

void set_stopping() {
    if (owns_slot())
        g_slot->status.store(static_cast<std::uint32_t>(WorkerStatus::stopping), std::memory_order_relaxed);
}

void add_rx(std::uint64_t bytes) {
    if (t_core)
        bump(t_core->rx, bytes);
    else if (g_slot)
        bump(g_slot->rx, bytes);
}

void count_refusal(int status) {
    if (g_slot && status >= 100 && status < 600)
        g_slot->refused_class[static_cast<std::size_t>(status / 100 - 1)].fetch_add(
            1, std::memory_order_relaxed);
}

void count_static(int status, std::uint64_t tx) {
    if (!owns_slot() || status < 100 || status >= 600) return;
    g_slot->static_class[static_cast<std::size_t>(status / 100 - 1)].fetch_add(1, std::memory_order_relaxed);
    g_slot->static_tx.fetch_add(tx, std::memory_order_relaxed);
}

std::size_t duration_bucket(double seconds) {
    std::size_t i = 0;
    while (i < kDurationBuckets.size() && seconds > kDurationBuckets[i]) ++i;
    return i;
}

RequestScope::RequestScope(std::string_view method, std::string_view uri) : core_(t_core) {
    if (!core_) return;
    started_us_ = monotonic_us();
    core_->current.write(method, uri, started_us_);
    core_->in_request.store(1, std::memory_order_release);
}

RequestScope::~RequestScope() {
    if (core_) core_->in_request.store(0, std::memory_order_release);
}

void RequestScope::finish(int status, std::uint64_t tx, bool exception, bool write_error) {
    if (!core_) return;
    auto elapsed = static_cast<std::uint64_t>(std::max<std::int64_t>(0, monotonic_us() - started_us_));
    bump(core_->requests);
    bump(core_->tx, tx);
    bump(core_->running_us, elapsed);
    core_->avg_rt_us.store((core_->avg_rt_us.load(std::memory_order_relaxed) + elapsed) / 2,
                           std::memory_order_relaxed);
    if (exception) bump(core_->exceptions);
    if (write_error) bump(core_->write_errors);
    if (status >= 100 && status < 600) bump(core_->status_class[static_cast<std::size_t>(status / 100 - 1)]);
    bump(core_->duration[duration_bucket(static_cast<double>(elapsed) / 1e6)]);
    core_->in_request.store(0, std::memory_order_release);
    core_ = nullptr;
}

}  // namespace appserver::worker_stats
