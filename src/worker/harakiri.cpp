#include "worker/harakiri.h"

#include <signal.h>

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "appserver/api_process.h"
#include "log/access_log.h"
#include "proto/server_error.h"
#include "worker/exit_codes.h"

namespace appserver {
namespace {

std::int64_t now_ms() { return scoreboard_now_ms(); }

// The guard of the request the calling thread runs now (set_user_harakiri finds its slot here).
thread_local Harakiri* t_harakiri = nullptr;
thread_local int t_slot = -1;

}  // namespace

bool send_timeout_response(ResponseGate& gate, int fd) {
    if (!gate.claim_for_timeout()) return false;
    // Bytes, not a writer: this thread must not touch the request thread's connection state.
    const std::string response = server_error_bytes(504);
    [[maybe_unused]] ssize_t n = ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return true;
}

Harakiri::Harakiri(int seconds, int worker_id, int request_threads, int graceful_s, int graceful_signal)
    : seconds_(seconds), worker_id_(worker_id), graceful_s_(graceful_s), graceful_signal_(graceful_signal), slots_(static_cast<std::size_t>(request_threads)) {
    if (Scoreboard* board = Scoreboard::current()) board_ = board->claim(worker_id, ::getpid());
    if (seconds_ > 0) {
        std::lock_guard lock(mutex_);
        start_watch_locked();
    }
}

void Harakiri::start_watch_locked() {
    if (!thread_.joinable()) thread_ = std::thread([this] { watch(); });
}

bool Harakiri::set_user_deadline(int seconds) {
    Harakiri* h = t_harakiri;
    if (h == nullptr || t_slot < 0) return false;
    std::lock_guard lock(h->mutex_);
    Slot& slot = h->slots_[static_cast<std::size_t>(t_slot)];
    slot.user_deadline_ms.store(seconds > 0 ? now_ms() + static_cast<std::int64_t>(seconds) * 1000 : 0);
    if (seconds > 0) h->start_watch_locked();
    return true;
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

Harakiri::Guard::Guard(Harakiri* h, int client_fd, std::string_view method, std::string_view uri,
                       ResponseGate* gate)
    : h_(h) {
    if (!h_) return;
    std::lock_guard lock(h_->mutex_);
    for (std::size_t i = 0; i < h_->slots_.size(); ++i) {
        Slot& s = h_->slots_[i];
        if (s.busy) continue;
        std::int64_t now = now_ms();
        s.fd = client_fd;
        s.method = method;
        s.uri = uri;
        s.gate = gate;
        s.user_deadline_ms.store(0);
        s.graceful_until_ms = 0;
        s.started_ms.store(now);
        // Without a harakiri limit the master's backstop must see no limit running.
        if (h_->seconds_ > 0 && i < h_->board_.size()) h_->board_[i].started_ms.store(now, std::memory_order_release);
        s.busy = true;
        slot_ = static_cast<int>(i);
        t_harakiri = h_;
        t_slot = slot_;
        return;
    }
}

Harakiri::Guard::~Guard() {
    if (slot_ < 0) return;
    auto i = static_cast<std::size_t>(slot_);
    t_harakiri = nullptr;
    t_slot = -1;
    std::lock_guard lock(h_->mutex_);
    h_->slots_[i].started_ms.store(0);
    h_->slots_[i].user_deadline_ms.store(0);  // uWSGI leaves user harakiri mode at the end of a request
    h_->slots_[i].busy = false;
    if (i < h_->board_.size() && h_->seconds_ > 0) h_->board_[i].started_ms.store(0, std::memory_order_release);
}

void Harakiri::kill_self(Slot& slot, std::int64_t busy_ms, const char* why) {
    spdlog::error("harakiri: worker {} (pid {}) stuck for {:.1f}s on \"{} {}\"{}: killing it", worker_id_,
                  ::getpid(), static_cast<double>(busy_ms) / 1000.0, slot.method, slot.uri, why);
    if (slot.gate) send_timeout_response(*slot.gate, slot.fd);
    spdlog::default_logger()->flush();
    log::access_log().flush();  // the lines of requests the loop answered before this one
    ::_exit(kWorkerHarakiri);
}

void Harakiri::graceful_attempt(Slot& slot, std::int64_t busy_ms, std::int64_t now) {
    spdlog::error(
        "harakiri: worker {} (pid {}) stuck for {:.1f}s on \"{} {}\": graceful attempt with signal {}, "
        "killing it in {}s if it is still there",
        worker_id_, ::getpid(), static_cast<double>(busy_ms) / 1000.0, slot.method, slot.uri, graceful_signal_,
        graceful_s_);
    if (slot.gate) send_timeout_response(*slot.gate, slot.fd);  // the client's answer does not wait
    slot.graceful_until_ms = now + static_cast<std::int64_t>(graceful_s_) * 1000;
    ::kill(::getpid(), graceful_signal_);
}

void Harakiri::watch() {
    std::unique_lock lock(mutex_);
    const std::int64_t limit_ms = static_cast<std::int64_t>(seconds_) * 1000;
    while (!stop_) {
        stop_cv_.wait_for(lock, std::chrono::milliseconds(250));
        std::int64_t now = now_ms();
        for (Slot& s : slots_) {
            std::int64_t started = s.started_ms.load();
            if (limit_ms > 0 && started != 0 && now - started > limit_ms) {
                if (graceful_s_ <= 0) kill_self(s, now - started, "");
                if (s.graceful_until_ms == 0) {
                    graceful_attempt(s, now - started, now);
                } else if (now > s.graceful_until_ms) {
                    kill_self(s, now - started, " (after harakiri-graceful-timeout)");
                }
            }
            std::int64_t deadline = s.user_deadline_ms.load();
            if (deadline != 0 && now > deadline) kill_self(s, now - started, " (set_user_harakiri)");
        }
    }
}

namespace api {

bool set_user_harakiri(int seconds) { return Harakiri::set_user_deadline(seconds); }

}  // namespace api
}  // namespace appserver
