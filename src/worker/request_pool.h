#pragma once
// Request threads of a worker (threads > 1): the event loop hands over a connection with a complete
// request head; a thread serves it and hands it back through an eventfd.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "os/unique_fd.h"

namespace appserver {

struct Connection;

class RequestPool {
public:
    using Job = std::function<void(Connection*)>;
    // `thread_start` runs once on each thread before its first job.
    RequestPool(int threads, Job job, std::function<void()> thread_start);
    ~RequestPool();
    RequestPool(const RequestPool&) = delete;
    RequestPool& operator=(const RequestPool&) = delete;

    void submit(Connection* conn);
    // Connections whose job finished; the event loop calls this when event_fd() is readable.
    std::vector<Connection*> take_done();
    int event_fd() const { return event_fd_.get(); }
    // errno of the eventfd() that failed (out of descriptors), 0 when the pool works.
    int error() const { return error_; }
    int size() const { return static_cast<int>(threads_.size()); }
    int busy() const { return busy_; }  // submitted and not yet taken back (event loop thread only)

private:
    void run(const std::function<void()>& thread_start);

    Job job_;
    UniqueFd event_fd_;
    int error_ = 0;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Connection*> queue_;
    std::vector<Connection*> done_;
    bool stopping_ = false;
    int busy_ = 0;
    std::vector<std::thread> threads_;
};

}  // namespace appserver
