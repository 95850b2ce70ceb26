#pragma once
// Write-behind for responses: what the socket does not take at once is kept (within limits) and
// flushed by the worker's event loop, so a client that reads slowly does not hold the worker.
// Past the limits, writes block (with the timeout) as a last resort.
//
// The bytes are kept in a list of chunks and a chunk is freed as soon as the client has taken all
// of it, so the memory held is what is pending (plus the unused tail of the last chunk), never the
// whole stream. The limits count the bytes allocated, not only the bytes pending, and hold at every
// moment: a write that would allocate past them waits instead.
//
// Files are kept in the same list, in order with the bytes, as segments (a descriptor of our own,
// an offset, a length) that the event loop sends with non-blocking sendfile(2): a segment costs a
// descriptor and no buffer memory. A connection keeps at most kMaxSegments of them; past that a
// write waits for the client, as past the byte limits.

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "os/unique_fd.h"

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
    // File segments one connection may keep (each holds a descriptor until it is sent).
    static constexpr std::size_t kMaxSegments = 16;
    // What one flush_some sends at most (file segments and kept bytes alike), so that one fast
    // client of a large response cannot keep the event loop from the others (EPOLLOUT brings it
    // back on the next turn).
    static constexpr std::size_t kFlushBudget = 1 << 20;

    OutputBuffer() = default;
    OutputBuffer(const OutputBuffer&) = delete;
    OutputBuffer& operator=(const OutputBuffer&) = delete;
    ~OutputBuffer() { release(); }

    // Sends the iovecs in order after whatever is pending: the socket takes what it can now, the
    // rest is kept when the limits allow, else written with blocking waits (timeout_ms each).
    // False: the client is gone or timed out. `more`: something follows at once (send_file, or
    // the connection's close): the bytes are sent with MSG_MORE, so that they leave with the
    // file's first bytes, or with the FIN.
    bool send(int fd, iovec* iov, int count, int timeout_ms, const OutputLimits& limits,
              bool more = false);
    // Sends `length` bytes of the regular file `file_fd` from `offset` after whatever is pending:
    // what the socket takes now goes at once, the rest is kept as a segment over a duplicate of
    // `file_fd` (the caller may close its own at once). Waits (timeout_ms each) only when
    // kMaxSegments are kept already, or when no descriptor is left to duplicate. False: the
    // client is gone or timed out, or the file ended before `length`.
    bool send_file(int fd, int file_fd, std::uint64_t offset, std::uint64_t length, int timeout_ms);
    // Writes everything pending, waiting as needed.
    bool flush_blocking(int fd, int timeout_ms);

    enum class Flush { done, more, failed };
    // Writes what the socket takes now, up to kFlushBudget (event loop, on EPOLLOUT). failed: the
    // client is gone, or a file ended before the length promised (it shrank while being sent):
    // the connection can only be closed, since the client would wait for bytes that never come.
    Flush flush_some(int fd);
    bool empty() const { return pending_ == 0 && segments_ == 0; }
    // Bytes kept in memory and not yet sent (file segments not included).
    std::size_t pending_bytes() const { return pending_; }
    // File segments kept, and their bytes not yet sent.
    std::size_t segments() const { return segments_; }
    std::uint64_t pending_file_bytes() const { return file_pending_; }
    // Bytes allocated for them (what the limits and the worker's total count).
    std::size_t allocated_bytes() const { return allocated_; }

private:
    // Bytes in memory, or (file set, capacity 0) a file segment.
    struct Chunk {
        std::unique_ptr<char[]> data;
        std::size_t capacity = 0;
        std::size_t begin = 0;     // first byte not yet sent
        std::size_t end = 0;       // one past the last byte kept
        UniqueFd file;             // a segment: our duplicate of the application's descriptor
        std::uint64_t offset = 0;  // a segment: the next byte of the file to send
        std::uint64_t length = 0;  // a segment: bytes left to send
        bool is_file() const { return static_cast<bool>(file); }
    };

    // Bytes that keeping `size` more would allocate (0 when the last chunk has room).
    std::size_t growth_for(std::size_t size) const;
    // Charges `bytes` to the worker's total unless that passes `limit`; false when it would.
    static bool reserve(std::atomic<std::size_t>* total, std::size_t bytes, std::size_t limit);
    // Copies the iovecs (`size` bytes in all) after the pending bytes; the growth is reserved.
    void keep(const iovec* iov, int count, std::size_t size);
    void consumed(std::size_t n);
    // Sends at most `at_most` bytes from the segment at the front; what it sent, or -1 (failed:
    // released).
    long flush_segment(int fd, std::uint64_t at_most);
    // Waits (timeout_ms each) until fewer than kMaxSegments are kept.
    bool wait_for_segment_room(int fd, int timeout_ms);
    void release();
    // The iovecs of the bytes before the first segment, `at_most` bytes of them.
    int pending_iovecs(iovec* out, int max, std::size_t at_most) const;

    std::vector<Chunk> chunks_;  // front: oldest; fully sent chunks are freed at once
    std::size_t pending_ = 0;
    std::size_t allocated_ = 0;
    std::size_t segments_ = 0;
    std::uint64_t file_pending_ = 0;
    std::atomic<std::size_t>* total_ = nullptr;  // the counter allocated_ is charged to
};

}  // namespace appserver
