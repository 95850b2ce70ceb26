#include "worker/output_buffer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "log/log.h"
#include "worker/socket_io.h"

namespace appserver {
namespace {

constexpr int kMaxIovecs = 64;

// One non-blocking sendmsg; returns bytes written (0 when the socket is full), -1 on error.
// `more`: a file follows at once (MSG_MORE: the head and a small file leave in full segments
// instead of the head alone first, as nginx's tcp_nopush does, without two TCP_CORK calls; the
// sendfile's last piece, sent without it, pushes everything out).
long send_now(int fd, iovec* iov, int count, bool more = false) {
    for (;;) {
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<std::size_t>(count);
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | (more ? MSG_MORE : 0));
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

// What one sendfile(2) call is asked for at most: a client that reads as fast as we send would
// otherwise keep a single call going for the whole file (the socket never fills).
constexpr std::uint64_t kMaxSendfile = OutputBuffer::kFlushBudget;
constexpr long kFileEnded = -2;

// One non-blocking sendfile from `offset`: bytes written (0 when the socket is full), -1 on error,
// kFileEnded when the file has no byte at `offset` any more (it shrank).
long sendfile_now(int fd, int file_fd, std::uint64_t offset, std::uint64_t length) {
    for (;;) {
        auto off = static_cast<off_t>(offset);
        ssize_t n = ::sendfile(fd, file_fd, &off, static_cast<std::size_t>(std::min(length, kMaxSendfile)));
        if (n > 0) return n;
        if (n == 0) return length == 0 ? 0 : kFileEnded;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        // The client going away is routine; anything else (EIO reading the file...) is worth a line.
        if (errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN)
            spdlog::warn("{}", log::syscall_error("sendfile", "response file", errno));
        return -1;
    }
}

// The file is named by its descriptor's link in /proc (the buffer keeps no path): this runs once
// per file cut short, for the site's operator, whoever sent it (a static file, a file_wrapper).
void log_file_ended(int file_fd, std::uint64_t missing) {
    std::string link = "/proc/self/fd/" + std::to_string(file_fd);
    char target[PATH_MAX];
    ssize_t len = ::readlink(link.c_str(), target, sizeof target - 1);
    std::string name = len > 0 ? std::string(target, static_cast<std::size_t>(len)) : "a response file";
    struct stat now {};
    std::string size = ::fstat(file_fd, &now) == 0 ? std::to_string(now.st_size) + " bytes" : "?";
    spdlog::warn(
        "{}: ended {} bytes short of the length promised (it shrank while being sent, to {}): "
        "connection closed",
        name, missing, size);
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
    // Only the last chunk may have room (a segment has none): bytes never go before a segment.
    std::size_t at = chunks_.size();  // the first chunk with room
    if (!chunks_.empty() && chunks_.back().end < chunks_.back().capacity) {
        at = chunks_.size() - 1;
        to_allocate -= std::min(size, chunks_.back().capacity - chunks_.back().end);
    }
    while (to_allocate > 0) {
        Chunk c;
        c.capacity = to_allocate >= kMaxChunk ? kMaxChunk : chunk_capacity(to_allocate);
        c.data = std::make_unique_for_overwrite<char[]>(c.capacity);
        allocated_ += c.capacity;
        to_allocate -= std::min(to_allocate, c.capacity);
        chunks_.push_back(std::move(c));
    }
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
        if (c.is_file()) break;  // bytes written never reach past a segment
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
    chunks_.clear();  // closes the segments' descriptors
    chunks_.shrink_to_fit();
    pending_ = 0;
    allocated_ = 0;
    segments_ = 0;
    file_pending_ = 0;
}

int OutputBuffer::pending_iovecs(iovec* out, int max, std::size_t at_most) const {
    int n = 0;
    for (const Chunk& c : chunks_) {
        if (n == max || at_most == 0 || c.is_file()) break;
        if (c.begin == c.end) continue;
        std::size_t size = std::min(c.end - c.begin, at_most);
        out[n++] = iovec{c.data.get() + c.begin, size};
        at_most -= size;
    }
    return n;
}

long OutputBuffer::flush_segment(int fd, std::uint64_t at_most) {
    Chunk& c = chunks_.front();
    long n = sendfile_now(fd, c.file.get(), c.offset, std::min(c.length, at_most));
    if (n == kFileEnded) log_file_ended(c.file.get(), c.length);
    if (n < 0) {
        release();
        return -1;
    }
    auto sent = static_cast<std::uint64_t>(n);
    c.offset += sent;
    c.length -= sent;
    file_pending_ -= sent;
    if (c.length == 0) {
        chunks_.erase(chunks_.begin());  // its descriptor is closed now, not with the response
        --segments_;
        if (chunks_.empty()) chunks_.shrink_to_fit();
    }
    return n;
}

OutputBuffer::Flush OutputBuffer::flush_some(int fd) {
    std::size_t budget = kFlushBudget;
    while (!empty()) {
        if (budget == 0) return Flush::more;
        long n;
        if (chunks_.front().is_file()) {
            n = flush_segment(fd, budget);  // the budget's rest, not a whole sendfile's worth
            if (n < 0) return Flush::failed;
        } else {
            iovec iov[kMaxIovecs];
            int count = pending_iovecs(iov, kMaxIovecs, budget);  // the budget's rest here too
            // The bytes before a file segment: the file goes right after them.
            n = send_now(fd, iov, count, segments_ > 0);
            if (n < 0) {
                release();
                return Flush::failed;
            }
            consumed(static_cast<std::size_t>(n));
        }
        if (n == 0) return Flush::more;
        budget -= std::min(budget, static_cast<std::size_t>(n));
    }
    return Flush::done;
}

bool OutputBuffer::flush_blocking(int fd, int timeout_ms) {
    for (;;) {
        switch (flush_some(fd)) {
            case Flush::done: return true;
            case Flush::failed: return false;
            case Flush::more: break;
        }
        if (!wait_writable(fd, timeout_ms)) {
            release();
            return false;
        }
    }
}

bool OutputBuffer::wait_for_segment_room(int fd, int timeout_ms) {
    while (segments_ >= kMaxSegments) {
        switch (flush_some(fd)) {
            case Flush::done: return true;
            case Flush::failed: return false;
            case Flush::more: break;
        }
        if (segments_ < kMaxSegments) break;
        if (!wait_writable(fd, timeout_ms)) {
            release();
            return false;
        }
    }
    return true;
}

bool OutputBuffer::send_file(int fd, int file_fd, std::uint64_t offset, std::uint64_t length,
                             int timeout_ms) {
    if (length == 0) return true;
    if (!empty() && flush_some(fd) == Flush::failed) return false;
    if (empty()) {
        // Nothing before it: the socket takes what it can now (all of a small file), once.
        long n = sendfile_now(fd, file_fd, offset, length);
        if (n == kFileEnded) log_file_ended(file_fd, length);
        if (n < 0) return false;
        offset += static_cast<std::uint64_t>(n);
        length -= static_cast<std::uint64_t>(n);
        if (length == 0) return true;
    }
    if (!wait_for_segment_room(fd, timeout_ms)) return false;
    Chunk segment;
    segment.file.reset(::fcntl(file_fd, F_DUPFD_CLOEXEC, 0));
    if (!segment.file) {
        // Out of descriptors: the file goes out now, waiting for the client (as before offloading).
        spdlog::warn("{}: sending the file with blocking waits",
                     log::syscall_error("fcntl(F_DUPFD_CLOEXEC)", "response file", errno));
        std::uint64_t sent = 0;
        return flush_blocking(fd, timeout_ms) && send_file_all(fd, file_fd, offset, length, timeout_ms, sent);
    }
    segment.offset = offset;
    segment.length = length;
    chunks_.push_back(std::move(segment));
    ++segments_;
    file_pending_ += length;
    return true;
}

bool OutputBuffer::send(int fd, iovec* iov, int count, int timeout_ms, const OutputLimits& limits,
                        bool more) {
    if (!empty() && flush_some(fd) == Flush::failed) return false;
    if (empty()) {
        long n = send_now(fd, iov, count, more);
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
