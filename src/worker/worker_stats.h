#pragma once
// What a worker publishes on the scoreboard (os/scoreboard.h) about itself and each request:
// whether it accepts, whether it is stopping, and per request thread the current request (method,
// URI, start) and the counters the stats server and /metrics read (requests, status classes,
// duration histogram, bytes, exceptions). Every write is a relaxed store to this process's own
// slot; with no scoreboard (tests) every call does nothing.

#include <cstdint>
#include <string_view>

#include "os/scoreboard.h"

namespace appserver::worker_stats {

// In the worker process, once its slot is claimed: where the calls below write. `inline_requests`:
// the calling thread (the event loop) runs the requests itself and is core 0.
void attach(int worker_id, bool inline_requests);
// On each request thread before its first request: the core it writes (0 .. threads-1).
void bind_thread(int core);
void set_accepting(bool accepting);
void set_stopping();
// Request bytes read on the calling thread.
void add_rx(std::uint64_t bytes);
// An answer of the server's own before the application was called (a refused request).
void count_refusal(int status);
// A static file answered by the event loop (uWSGI's static_requests): its status and bytes sent.
void count_static(int status, std::uint64_t tx);

// One application call: marks the thread's core busy with this request from construction until
// finish() (or destruction, which counts nothing).
class RequestScope {
public:
    RequestScope(std::string_view method, std::string_view uri);
    ~RequestScope();
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;
    void finish(int status, std::uint64_t tx, bool exception, bool write_error);

private:
    RequestSlot* core_;
    std::int64_t started_us_ = 0;
};

// The histogram bucket of a duration (index into RequestSlot::duration).
std::size_t duration_bucket(double seconds);

}  // namespace appserver::worker_stats
