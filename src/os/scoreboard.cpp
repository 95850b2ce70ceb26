#include "os/scoreboard.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "log/log.h"

namespace appserver {
namespace {

Scoreboard* g_current = nullptr;

// Packs up to words.size() * 8 bytes of `text` into the words; returns the length kept.
template <std::size_t N>
std::uint32_t store_text(std::array<std::atomic<std::uint64_t>, N>& words, std::string_view text) {
    std::size_t len = std::min(text.size(), N * 8);
    for (std::size_t i = 0; i * 8 < len; ++i) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + i * 8, std::min<std::size_t>(8, len - i * 8));
        words[i].store(word, std::memory_order_relaxed);
    }
    return static_cast<std::uint32_t>(len);
}

template <std::size_t N>
void load_text(const std::array<std::atomic<std::uint64_t>, N>& words, std::uint32_t len, std::string& out) {
    len = std::min<std::uint32_t>(len, static_cast<std::uint32_t>(N * 8));
    out.resize(len);
    for (std::size_t i = 0; i * 8 < len; ++i) {
        std::uint64_t word = words[i].load(std::memory_order_relaxed);
        std::memcpy(out.data() + i * 8, &word, std::min<std::size_t>(8, len - i * 8));
    }
}

}  // namespace

void RequestText::write(std::string_view method_text, std::string_view uri_text, std::int64_t steady_us) {
    std::uint32_t s = seq.load(std::memory_order_relaxed);
    seq.store(s + 1, std::memory_order_relaxed);  // odd: being written
    std::atomic_thread_fence(std::memory_order_release);
    method_len.store(store_text(method, method_text), std::memory_order_relaxed);
    uri_len.store(store_text(uri, uri_text), std::memory_order_relaxed);
    started_us.store(steady_us, std::memory_order_relaxed);
    seq.store(s + 2, std::memory_order_release);
}

bool RequestText::read(std::string& method_out, std::string& uri_out, std::int64_t& steady_us) const {
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::uint32_t before = seq.load(std::memory_order_acquire);
        if (before & 1) continue;
        load_text(method, method_len.load(std::memory_order_relaxed), method_out);
        load_text(uri, uri_len.load(std::memory_order_relaxed), uri_out);
        steady_us = started_us.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (seq.load(std::memory_order_relaxed) == before) return true;
    }
    method_out.clear();
    uri_out.clear();
    steady_us = 0;
    return false;
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
    for (RequestSlot& r : requests) {
        r.started_ms.store(0, std::memory_order_relaxed);
        r.in_request.store(0, std::memory_order_relaxed);
    }
    slot->status.store(static_cast<std::uint32_t>(WorkerStatus::idle), std::memory_order_relaxed);
    slot->pid.store(pid, std::memory_order_release);
    return requests;
}

}  // namespace appserver
