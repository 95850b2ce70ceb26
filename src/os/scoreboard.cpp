#include "os/scoreboard.h"

#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <new>

#include "log/log.h"

namespace appserver {
namespace {

Scoreboard* g_current = nullptr;

}  // namespace

std::int64_t scoreboard_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::unique_ptr<Scoreboard> Scoreboard::create(int workers, int threads, std::string& error) {
    if (workers < 1) workers = 1;
    if (threads < 1) threads = 1;
    auto w = static_cast<std::size_t>(workers);
    std::size_t size = w * sizeof(WorkerSlot) + w * static_cast<std::size_t>(threads) * sizeof(RequestSlot);
    void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        error = log::syscall_error("mmap", "scoreboard", errno);
        return nullptr;
    }
    std::unique_ptr<Scoreboard> board(new Scoreboard(memory, size, workers, threads));
    g_current = board.get();
    return board;
}

Scoreboard::Scoreboard(void* memory, std::size_t size, int workers, int threads)
    : memory_(memory), size_(size), workers_(workers), threads_(threads) {
    auto* slots = static_cast<WorkerSlot*>(memory_);
    for (int i = 0; i < workers_; ++i) new (&slots[i]) WorkerSlot;
    auto* requests = reinterpret_cast<RequestSlot*>(slots + workers_);
    for (int i = 0; i < workers_ * threads_; ++i) new (&requests[i]) RequestSlot;
}

Scoreboard::~Scoreboard() {
    if (g_current == this) g_current = nullptr;
    ::munmap(memory_, size_);
}

Scoreboard* Scoreboard::current() { return g_current; }

WorkerSlot* Scoreboard::worker(int id) {
    if (id < 1 || id > workers_) return nullptr;
    return static_cast<WorkerSlot*>(memory_) + (id - 1);
}

std::span<RequestSlot> Scoreboard::requests(int id) {
    if (id < 1 || id > workers_) return {};
    auto* first = reinterpret_cast<RequestSlot*>(static_cast<WorkerSlot*>(memory_) + workers_);
    return {first + static_cast<std::ptrdiff_t>(id - 1) * threads_, static_cast<std::size_t>(threads_)};
}

std::span<RequestSlot> Scoreboard::claim(int id, pid_t pid) {
    WorkerSlot* slot = worker(id);
    if (!slot) return {};
    std::span<RequestSlot> requests = this->requests(id);
    for (RequestSlot& r : requests) r.started_ms.store(0, std::memory_order_relaxed);
    slot->pid.store(pid, std::memory_order_release);
    return requests;
}

}  // namespace appserver
