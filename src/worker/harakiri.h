#pragma once
// harakiri: a worker busy on one request for longer than the limit is killed and replaced.
// A watchdog thread in the worker (it needs no GIL, so a request stuck in Python or C cannot
// stop it) logs the request, answers 504 when nothing was sent yet, and ends the process.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "appserver/app_runtime.h"

namespace appserver {

class Harakiri {
public:
    // seconds == 0: no watchdog, guards cost nothing.
    Harakiri(int seconds, int worker_id, int request_threads);
    ~Harakiri();
    Harakiri(const Harakiri&) = delete;
    Harakiri& operator=(const Harakiri&) = delete;

    // Marks one request in flight on the calling thread for the guard's lifetime.
    class Guard {
    public:
        Guard(Harakiri* h, int client_fd, std::string label, const ResponseWriter* response);
        ~Guard();
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        Harakiri* h_;
        int slot_ = -1;
    };

private:
    struct Slot {
        std::atomic<std::int64_t> started_ms{0};  // 0: idle
        int fd = -1;
        std::string label;
        const ResponseWriter* response = nullptr;
    };
    void watch();
    [[noreturn]] void kill_self(Slot& slot, std::int64_t busy_ms);

    int seconds_;
    int worker_id_;
    std::vector<Slot> slots_;
    std::mutex mutex_;  // guards slot assignment and labels
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace appserver
