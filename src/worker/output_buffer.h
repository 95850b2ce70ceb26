#pragma once
// Write-behind for responses: what the socket does not take at once is kept (within limits) and
// flushed by the worker's event loop, so a client that reads slowly does not hold the worker.
// Past the limits, writes block (with the timeout) as a last resort.
//
// The bytes are kept in a list of chunks and a chunk is freed as soon as the client has taken all
// of it, so the memory held is what is pending (plus the unused tail of the last chunk), never the
// whole stream. The limits count the bytes allocated, not only the bytes pending, and hold at every
// moment: a write that would allocate past them waits instead.

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace appserver {

struct OutputLimits {
    std::size_t per_connection = 8 << 20;              // bytes allocated for one connection
    std::size_t per_worker = 128 << 20;                // bytes allocated for all connections of a worker
    std::atomic<std::size_t>* worker_total = nullptr;  // the worker's running total (shared)
};

class OutputBuffer {
public:
    static constexpr std::size_t kMinChunk = 4 * 1024;
    static constexpr std::size_t kMaxChunk = 64 * 1024;

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
    bool empty() const { return pending_ == 0; }
    // Bytes kept and not yet sent.
    std::size_t pending_bytes() const { return pending_; }
    // Bytes allocated for them (what the limits and the worker's total count).
    std::size_t allocated_bytes() const { return allocated_; }

private:
    struct Chunk {
        std::unique_ptr<char[]> data;
        std::size_t capacity = 0;
        std::size_t begin = 0;  // first byte not yet sent
        std::size_t end = 0;    // one past the last byte kept
    };

    // Bytes that keeping `size` more would allocate (0 when the last chunk has room).
    std::size_t growth_for(std::size_t size) const;
    // Charges `bytes` to the worker's total unless that passes `limit`; false when it would.
    static bool reserve(std::atomic<std::size_t>* total, std::size_t bytes, std::size_t limit);
    // Copies the iovecs (`size` bytes in all) after the pending bytes; the growth is reserved.
    void keep(const iovec* iov, int count, std::size_t size);
    void consumed(std::size_t n);
    void release();
    int pending_iovecs(iovec* out, int max) const;

    std::vector<Chunk> chunks_;  // front: oldest; fully sent chunks are freed at once
    std::size_t pending_ = 0;
    std::size_t allocated_ = 0;
    std::atomic<std::size_t>* total_ = nullptr;  // the counter allocated_ is charged to
};

}  // namespace appserver
