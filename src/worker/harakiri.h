#pragma once
// harakiri: a worker busy on one request for longer than the limit is killed and replaced.
// A watchdog thread in the worker (it needs no GIL, so a request stuck in Python or C cannot
// stop it) logs the request, answers 504 when nothing was sent yet, and ends the process.
// Each request's start is also written to the master's scoreboard, so that the master can kill a
// worker that is too frozen to do this itself (src/master/harakiri_backstop.h).
// uwsgi.set_user_harakiri(seconds) gives the running request its own deadline, whatever the
// harakiri option says (the watchdog thread starts on first use); it ends with the request.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "os/scoreboard.h"
#include "worker/response_gate.h"

namespace appserver {

class Harakiri {
public:
    // seconds == 0: no limit for every request; the watchdog starts only if a request sets its own
    // deadline (set_user_deadline).
    // graceful_s > 0 (harakiri-graceful-timeout): a request past the limit first gets its 504 and
    // the worker `graceful_signal` (a graceful stop, as uWSGI's master sends); the worker ends
    // itself only if it is still there graceful_s seconds later.
    Harakiri(int seconds, int worker_id, int request_threads, int graceful_s = 0, int graceful_signal = 15);
    ~Harakiri();
    Harakiri(const Harakiri&) = delete;
    Harakiri& operator=(const Harakiri&) = delete;

    // Marks one request in flight on the calling thread for the guard's lifetime.
    class Guard {
    public:
        // `method` and `uri` name the request in the log line; they must stay valid until the
        // guard ends (views into the request: nothing is copied on the hot path).
        Guard(Harakiri* h, int client_fd, std::string_view method, std::string_view uri, ResponseGate* gate);
        ~Guard();
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        Harakiri* h_;
        int slot_ = -1;
    };

    // The request on the calling thread gets a deadline `seconds` from now (0: none). False when
    // the calling thread runs no request under a guard.
    static bool set_user_deadline(int seconds);

private:
    struct Slot {
        std::atomic<std::int64_t> started_ms{0};  // 0: idle
        std::atomic<std::int64_t> user_deadline_ms{0};  // set_user_harakiri; 0: none
        std::int64_t graceful_until_ms = 0;             // harakiri-graceful-timeout running (mutex_)
        int fd = -1;
        std::string_view method, uri;  // valid while busy (read under mutex_ only)
        ResponseGate* gate = nullptr;
        bool busy = false;  // a guard holds it (mutex_)
    };
    void watch();
    [[noreturn]] void kill_self(Slot& slot, std::int64_t busy_ms, const char* why);
    void graceful_attempt(Slot& slot, std::int64_t busy_ms, std::int64_t now);
    void start_watch_locked();  // mutex_ held

    int seconds_;
    int worker_id_;
    int graceful_s_;
    int graceful_signal_;
    std::vector<Slot> slots_;
    std::span<RequestSlot> board_;  // this worker's request slots on the scoreboard (may be empty)
    std::mutex mutex_;              // guards slot assignment and labels
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

// The watchdog's 504: sent only when it wins `gate` (the request thread has written nothing and
// now never will). True when sent.
bool send_timeout_response(ResponseGate& gate, int fd);

}  // namespace appserver
