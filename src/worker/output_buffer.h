#pragma once
// Write-behind for responses: what the socket does not take at once is kept (within limits) and
// flushed by the worker's event loop, so a client that reads slowly does not hold the worker.
// Past the limits, writes block (with the timeout) as a last resort.

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace appserver {

struct OutputLimits {
    std::size_t per_connection = 8 << 20;       // bytes kept for one connection
    std::size_t per_worker = 128 << 20;         // bytes kept for all connections of a worker
    std::atomic<std::size_t>* worker_total = nullptr;  // the worker's running total (shared)
};

class OutputBuffer {
public:
    OutputBuffer() = default;
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;
    ~OutputBuffer() { release(); }

    // Sends the iovecs in order after whatever is pending: the socket takes what it can now, the
    // rest is kept when the limits allow, else written with blocking waits (timeout_ms each).
    // False: the client is gone or timed out.
    bool send(int fd, iovec* iov, int count, int timeout_ms, const OutputLimits& limits);
    // Writes everything pending, waiting as needed (before sendfile, which cannot be buffered).
    bool flush_blocking(int fd, int timeout_ms);

    enum class Flush { done, more, failed };
    // Writes what the socket takes now (event loop, on EPOLLOUT).
    Flush flush_some(int fd);
    bool empty() const { return pos_ == data_.size(); }

private:
    void keep(const char* data, std::size_t size, std::atomic<std::size_t>* total);
    void consumed(std::size_t n);
    void release();

    std::string data_;
    std::size_t pos_ = 0;
    std::atomic<std::size_t>* total_ = nullptr;  // the counter our pending bytes are charged to
};

}  // namespace appserver
