#include "worker/output_buffer.h"

#include <sys/socket.h>

#include <cerrno>

#include "worker/socket_io.h"

namespace appserver {
namespace {

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

}  // namespace

void OutputBuffer::keep(const char* data, std::size_t size, std::atomic<std::size_t>* total) {
    if (pos_ > 0 && pos_ == data_.size()) {
        data_.clear();
        pos_ = 0;
    }
    data_.append(data, size);
    if (total) {
        total_ = total;
        total_->fetch_add(size);
    }
}

void OutputBuffer::consumed(std::size_t n) {
    pos_ += n;
    if (total_) total_->fetch_sub(n);
    if (pos_ == data_.size()) {
        data_.clear();
        pos_ = 0;
    }
}

void OutputBuffer::release() {
    if (total_) total_->fetch_sub(data_.size() - pos_);
    data_.clear();
    pos_ = 0;
}

OutputBuffer::Flush OutputBuffer::flush_some(int fd) {
    while (!empty()) {
        iovec iov{data_.data() + pos_, data_.size() - pos_};
        long n = send_now(fd, &iov, 1);
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
    if (empty()) return true;
    iovec iov{data_.data() + pos_, data_.size() - pos_};
    bool ok = write_all(fd, &iov, 1, timeout_ms);
    if (ok) consumed(data_.size() - pos_);
    else release();
    return ok;
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
    std::size_t worker_now = limits.worker_total ? limits.worker_total->load() : 0;
    if ((data_.size() - pos_) + left <= limits.per_connection && worker_now + left <= limits.per_worker) {
        for (int i = 0; i < count; ++i)
            keep(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len, limits.worker_total);
        return true;
    }
    // Over the limits: this response waits for its client, as every write did before.
    return flush_blocking(fd, timeout_ms) && write_all(fd, iov, count, timeout_ms);
}

}  // namespace appserver
