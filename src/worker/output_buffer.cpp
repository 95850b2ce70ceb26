#include "worker/output_buffer.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "worker/socket_io.h"

namespace appserver {
namespace {

constexpr int kMaxIovecs = 64;

// One non-blocking sendmsg; returns bytes written (0 when the socket is full), -1 on error.
long send_now(int fd, iovec* iov, int count) {
    for (;;) {
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<std::size_t>(count);
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

// Drops `n` written bytes from the front of the iovecs.
void advance(iovec*& iov, int& count, std::size_t n) {
    while (count > 0 && n >= iov->iov_len) {
        n -= iov->iov_len;
        ++iov;
        --count;
    }
    if (count > 0) {
        iov->iov_base = static_cast<char*>(iov->iov_base) + n;
        iov->iov_len -= n;
    }
}

// The size of a new chunk for `left` more bytes: small responses get a small chunk, a stream
// gets full ones.
std::size_t chunk_capacity(std::size_t left) {
    return std::clamp(left, OutputBuffer::kMinChunk, OutputBuffer::kMaxChunk);
}

}  // namespace

std::size_t OutputBuffer::growth_for(std::size_t size) const {
    std::size_t room = chunks_.empty() ? 0 : chunks_.back().capacity - chunks_.back().end;
    if (size <= room) return 0;
    size -= room;
    std::size_t full = size / kMaxChunk, rest = size % kMaxChunk;
    return full * kMaxChunk + (rest > 0 ? chunk_capacity(rest) : 0);
}

bool OutputBuffer::reserve(std::atomic<std::size_t>* total, std::size_t bytes, std::size_t limit) {
    if (total == nullptr || bytes == 0) return true;
    // Request threads of one worker share the total: check and add in one step, so that two of
    // them cannot both pass the limit.
    std::size_t now = total->load();
    do {
        if (now + bytes > limit) return false;
    } while (!total->compare_exchange_weak(now, now + bytes));
    return true;
}

void OutputBuffer::keep(const iovec* iov, int count, std::size_t size) {
    // Allocates exactly what growth_for(size) promised (the same sizing rule), then copies.
    std::size_t to_allocate = size;
    if (!chunks_.empty()) to_allocate -= std::min(size, chunks_.back().capacity - chunks_.back().end);
    while (to_allocate > 0) {
        Chunk c;
        c.capacity = to_allocate >= kMaxChunk ? kMaxChunk : chunk_capacity(to_allocate);
        c.data = std::make_unique_for_overwrite<char[]>(c.capacity);
        allocated_ += c.capacity;
        to_allocate -= std::min(to_allocate, c.capacity);
        chunks_.push_back(std::move(c));
    }
    std::size_t at = 0;  // the first chunk with room
    while (at < chunks_.size() && chunks_[at].end == chunks_[at].capacity) ++at;
    for (int i = 0; i < count; ++i) {
        const char* p = static_cast<const char*>(iov[i].iov_base);
        std::size_t n = iov[i].iov_len;
        while (n > 0) {
            Chunk& c = chunks_[at];
            std::size_t take = std::min(n, c.capacity - c.end);
            std::memcpy(c.data.get() + c.end, p, take);
            c.end += take;
            p += take;
            n -= take;
            if (c.end == c.capacity) ++at;
        }
    }
    pending_ += size;
}

void OutputBuffer::consumed(std::size_t n) {
    pending_ -= n;
    std::size_t freed = 0, gone = 0;
    for (Chunk& c : chunks_) {
        std::size_t take = std::min(n, c.end - c.begin);
        c.begin += take;
        n -= take;
        if (c.begin < c.end) break;
        // Fully sent: its memory goes back now, not when the whole response is done.
        freed += c.capacity;
        ++gone;
    }
    chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(gone));
    if (chunks_.empty()) chunks_.shrink_to_fit();  // an idle connection holds nothing
    allocated_ -= freed;
    if (total_) total_->fetch_sub(freed);
}

void OutputBuffer::release() {
    if (total_) total_->fetch_sub(allocated_);
    chunks_.clear();
    chunks_.shrink_to_fit();
    pending_ = 0;
    allocated_ = 0;
}

int OutputBuffer::pending_iovecs(iovec* out, int max) const {
    int n = 0;
    for (const Chunk& c : chunks_) {
        if (n == max) break;
        if (c.begin == c.end) continue;
        out[n++] = iovec{c.data.get() + c.begin, c.end - c.begin};
    }
    return n;
}

OutputBuffer::Flush OutputBuffer::flush_some(int fd) {
    while (!empty()) {
        iovec iov[kMaxIovecs];
        int count = pending_iovecs(iov, kMaxIovecs);
        long n = send_now(fd, iov, count);
        if (n < 0) {
            release();
            return Flush::failed;
        }
        if (n == 0) return Flush::more;
        consumed(static_cast<std::size_t>(n));
    }
    return Flush::done;
}

bool OutputBuffer::flush_blocking(int fd, int timeout_ms) {
    while (!empty()) {
        iovec iov[kMaxIovecs];
        int count = pending_iovecs(iov, kMaxIovecs);
        std::size_t size = 0;
        for (int i = 0; i < count; ++i) size += iov[i].iov_len;
        if (!write_all(fd, iov, count, timeout_ms)) {
            release();
            return false;
        }
        consumed(size);
    }
    return true;
}

bool OutputBuffer::send(int fd, iovec* iov, int count, int timeout_ms, const OutputLimits& limits) {
    if (!empty() && flush_some(fd) == Flush::failed) return false;
    if (empty()) {
        long n = send_now(fd, iov, count);
        if (n < 0) return false;
        advance(iov, count, static_cast<std::size_t>(n));
        if (count == 0) return true;
    }
    std::size_t left = 0;
    for (int i = 0; i < count; ++i) left += iov[i].iov_len;
    if (allocated_ == 0) total_ = limits.worker_total;  // nothing is charged yet: safe to switch
    std::size_t growth = growth_for(left);
    if (allocated_ + growth <= limits.per_connection && reserve(total_, growth, limits.per_worker)) {
        keep(iov, count, left);
        return true;
    }
    // Over the limits: this response waits for its client, as every write did before.
    return flush_blocking(fd, timeout_ms) && write_all(fd, iov, count, timeout_ms);
}

}  // namespace appserver
