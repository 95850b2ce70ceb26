#include "worker/harakiri.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "proto/server_error.h"
#include "worker/exit_codes.h"

namespace appserver {
namespace {

std::int64_t now_ms() { return scoreboard_now_ms(); }

}  // namespace

bool send_timeout_response(ResponseGate& gate, int fd) {
    if (!gate.claim_for_timeout()) return false;
    // Bytes, not a writer: this thread must not touch the request thread's connection state.
    const std::string response = server_error_bytes(504);
    [[maybe_unused]] ssize_t n = ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return true;
}

Harakiri::Harakiri(int seconds, int worker_id, int request_threads)
    : seconds_(seconds), worker_id_(worker_id), slots_(seconds > 0 ? request_threads : 0) {
    if (Scoreboard* board = Scoreboard::current()) board_ = board->claim(worker_id, ::getpid());
    if (seconds_ > 0) thread_ = std::thread([this] { watch(); });
}

Harakiri::~Harakiri() {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    thread_.join();
}

Harakiri::Guard::Guard(Harakiri* h, int client_fd, std::string label, ResponseGate* gate) : h_(h) {
    if (!h_ || h_->seconds_ <= 0) return;
    std::lock_guard lock(h_->mutex_);
    for (std::size_t i = 0; i < h_->slots_.size(); ++i) {
        Slot& s = h_->slots_[i];
        if (s.started_ms.load() != 0) continue;
        std::int64_t now = now_ms();
        s.fd = client_fd;
        s.label = std::move(label);
        s.gate = gate;
        s.started_ms.store(now);
        if (i < h_->board_.size()) h_->board_[i].started_ms.store(now, std::memory_order_release);
        slot_ = static_cast<int>(i);
        return;
    }
}

Harakiri::Guard::~Guard() {
    if (slot_ < 0) return;
    auto i = static_cast<std::size_t>(slot_);
    std::lock_guard lock(h_->mutex_);
    h_->slots_[i].started_ms.store(0);
    if (i < h_->board_.size()) h_->board_[i].started_ms.store(0, std::memory_order_release);
}

void Harakiri::kill_self(Slot& slot, std::int64_t busy_ms) {
    spdlog::error("harakiri: worker {} (pid {}) stuck for {:.1f}s on \"{}\": killing it", worker_id_,
                  ::getpid(), static_cast<double>(busy_ms) / 1000.0, slot.label);
    if (slot.gate) send_timeout_response(*slot.gate, slot.fd);
    spdlog::default_logger()->flush();
    ::_exit(kWorkerHarakiri);
}

void Harakiri::watch() {
    std::unique_lock lock(mutex_);
    const std::int64_t limit_ms = static_cast<std::int64_t>(seconds_) * 1000;
    while (!stop_) {
        stop_cv_.wait_for(lock, std::chrono::milliseconds(250));
        std::int64_t now = now_ms();
        for (Slot& s : slots_) {
            std::int64_t started = s.started_ms.load();
            if (started != 0 && now - started > limit_ms) kill_self(s, now - started);
        }
    }
}

}  // namespace appserver
