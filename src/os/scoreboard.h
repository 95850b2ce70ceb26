#pragma once
// The scoreboard: memory the master maps before it forks (MAP_SHARED | MAP_ANONYMOUS) with one slot
// per worker id. Workers write their slot with plain atomic stores; the master reads every slot
// without a syscall. It carries what the harakiri backstop needs, the start of the request each
// request thread is serving, and is the place for more per-worker figures (a stats server): add
// fields to WorkerSlot.

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace appserver {

// Shared between processes: only lock-free atomics (no pointers, no mutexes).
static_assert(std::atomic<std::int64_t>::is_always_lock_free);

// One request thread of a worker.
struct alignas(64) RequestSlot {
    std::atomic<std::int64_t> started_ms{0};  // steady clock (CLOCK_MONOTONIC) ms at its start; 0: idle
};

struct alignas(64) WorkerSlot {
    std::atomic<std::int32_t> pid{0};  // the process that holds the slot now (a respawn takes it over)
    // More per-worker figures go here (requests, bytes, status for a stats server).
};

class Scoreboard {
public:
    // Maps room for `workers` ids (1..workers) of `threads` request threads each. Null with one
    // line in `error` when mmap fails. The newest board becomes current().
    static std::unique_ptr<Scoreboard> create(int workers, int threads, std::string& error);
    ~Scoreboard();
    Scoreboard(const Scoreboard&) = delete;
    Scoreboard& operator=(const Scoreboard&) = delete;

    // The board of this process, inherited by fork: how a worker finds it. Null when there is none.
    static Scoreboard* current();

    int workers() const { return workers_; }
    int threads() const { return threads_; }
    // Null / empty when `id` is outside 1..workers().
    WorkerSlot* worker(int id);
    std::span<RequestSlot> requests(int id);

    // A (re)spawned worker takes its slot: its pid, every request thread idle.
    std::span<RequestSlot> claim(int id, pid_t pid);

private:
    Scoreboard(void* memory, std::size_t size, int workers, int threads);
    void* memory_;
    std::size_t size_;
    int workers_;
    int threads_;
};

// Milliseconds on the clock the scoreboard's times use.
std::int64_t scoreboard_now_ms();

}  // namespace appserver
