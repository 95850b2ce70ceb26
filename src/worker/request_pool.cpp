#include "worker/request_pool.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace appserver {

RequestPool::RequestPool(int threads, Job job, std::function<void()> thread_start)
    : job_(std::move(job)), event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!event_fd_) {
        error_ = errno;
        return;  // no thread: the worker cannot serve through this pool (see error())
    }
    threads_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this, thread_start] { run(thread_start); });
}

RequestPool::~RequestPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

void RequestPool::submit(Connection* conn) {
    ++busy_;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(conn);
    }
    wake_.notify_one();
}

std::vector<Connection*> RequestPool::take_done() {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(event_fd_.get(), &count, sizeof count);
    std::vector<Connection*> out;
    {
        std::lock_guard lock(mutex_);
        out.swap(done_);
    }
    busy_ -= static_cast<int>(out.size());
    return out;
}

void RequestPool::run(const std::function<void()>& thread_start) {
    thread_start();
    for (;;) {
        Connection* conn = nullptr;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, nothing left
            conn = queue_.front();
            queue_.pop_front();
        }
        job_(conn);
        {
            std::lock_guard lock(mutex_);
            done_.push_back(conn);
        }
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(event_fd_.get(), &one, sizeof one);
    }
}

}  // namespace appserver
