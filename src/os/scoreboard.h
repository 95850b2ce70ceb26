#pragma once
// The scoreboard: memory the master maps before it forks (MAP_SHARED | MAP_ANONYMOUS) with one slot
// per worker id and one per request thread ("core", uWSGI's word) of each. Workers write their own
// slots with relaxed atomic stores; the master reads every slot without a syscall or a lock (the
// stats server, Prometheus, the SIGUSR2 table, the harakiri backstop). Each counter of a core has
// one writer (its request thread: load + store, no read-modify-write), so a request costs a few
// plain stores. The one exception: a worker that stopped accepting (max-requests, reload-on-rss)
// finishes its requests while its replacement already holds the same id, so for up to
// worker-reload-mercy both write the id's cores; an increment may then be lost, never a slot
// corrupted (the request text is guarded by a sequence counter).

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "os/monotonic_clock.h"

namespace appserver {

// Shared between processes: only lock-free atomics (no pointers, no mutexes).
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Upper bounds (seconds) of the request-duration histogram (Prometheus' default buckets); a last
// bucket counts the rest (+Inf).
inline constexpr std::array<double, 11> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1.0,  2.5,   5.0,  10.0};

// The current request of a core, as text a reader can copy without tearing: a sequence counter
// (odd while it is written) around words of characters, each an atomic (a seqlock; no data race).
struct RequestText {
    static constexpr std::size_t kMethodWords = 2;  // 16 bytes
    static constexpr std::size_t kUriWords = 32;    // 256 bytes (longer URIs are cut)
    std::atomic<std::uint32_t> seq{0};
    std::atomic<std::uint32_t> method_len{0};
    std::atomic<std::uint32_t> uri_len{0};
    std::atomic<std::int64_t> started_us{0};  // steady clock (one clock read per request)
    std::array<std::atomic<std::uint64_t>, kMethodWords> method{};
    std::array<std::atomic<std::uint64_t>, kUriWords> uri{};

    // The writer (one thread).
    void write(std::string_view method_text, std::string_view uri_text, std::int64_t steady_us);
    // A consistent copy; false when a writer kept changing it (after a few tries).
    bool read(std::string& method_out, std::string& uri_out, std::int64_t& steady_us) const;
};

// Counters of one request thread. All but started_ms are written by the worker's request thread;
// started_ms also by the harakiri watchdog's guard.
struct alignas(64) RequestSlot {
    std::atomic<std::int64_t> started_ms{0};  // steady clock (CLOCK_MONOTONIC) ms at its start; 0: idle
    std::atomic<std::uint32_t> in_request{0};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> exceptions{0};    // the application raised (or the runtime had no app)
    std::atomic<std::uint64_t> write_errors{0};  // the client went away while the response was written
    std::atomic<std::uint64_t> tx{0};            // response bytes (head and body)
    std::atomic<std::uint64_t> rx{0};            // request bytes read by this thread
    std::atomic<std::uint64_t> running_us{0};    // time spent in requests
    std::atomic<std::uint64_t> avg_rt_us{0};     // uWSGI's running average: (avg + last) / 2
    std::array<std::atomic<std::uint64_t>, 5> status_class{};                        // 1xx..5xx
    std::array<std::atomic<std::uint64_t>, kDurationBuckets.size() + 1> duration{};  // not cumulative
    RequestText current;
};

enum class WorkerStatus : std::uint32_t { idle = 0, cheap = 1, stopping = 2 };  // busy: a core in_request

struct alignas(64) WorkerSlot {
    // Written by the worker.
    std::atomic<std::int32_t> pid{0};  // the process that holds the slot now (a respawn takes it over)
    std::atomic<std::uint32_t> accepting{0};
    std::atomic<std::uint32_t> status{0};  // WorkerStatus
    // Written by the master.
    std::atomic<std::uint64_t> respawn_count{0};
    std::atomic<std::uint64_t> harakiri_count{0};
    std::atomic<std::int64_t> last_spawn{0};          // unix seconds
    std::atomic<std::uint64_t> requests_at_spawn{0};  // the cores' total then: requests = now - this
    std::atomic<std::uint64_t> rx{0};  // request bytes read by the event loop when it is no core's thread
    // Answers the server gave itself before any application call (400, 413, 431, 500 when a body
    // cannot be spooled), by class; rare, and written by any thread (fetch_add).
    std::array<std::atomic<std::uint64_t>, 5> refused_class{};
    // Static files the event loop answered itself (no application call), by class, and their
    // bytes; written by the worker's loop thread (fetch_add), reset when a new process takes the slot.
    std::array<std::atomic<std::uint64_t>, 5> static_class{};
    std::atomic<std::uint64_t> static_tx{0};
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
    const WorkerSlot* worker(int id) const { return const_cast<Scoreboard*>(this)->worker(id); }
    std::span<const RequestSlot> requests(int id) const {
        return const_cast<Scoreboard*>(this)->requests(id);
    }

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
inline std::int64_t scoreboard_now_ms() { return monotonic_ms(); }

// counter += n for a counter with one writer: a relaxed load and store, no locked instruction.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace appserver
