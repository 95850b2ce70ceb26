#include "worker/socket_io.h"

#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace appserver {
namespace {

bool wait_for(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    for (;;) {
        int rc = ::poll(&p, 1, timeout_ms);
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return false;
    }
}

}  // namespace

bool wait_writable(int fd, int timeout_ms) { return wait_for(fd, POLLOUT, timeout_ms); }

long read_some(int fd, char* buf, std::size_t size, int timeout_ms) {
    for (;;) {
        ssize_t n = ::recv(fd, buf, size, 0);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        if (!wait_for(fd, POLLIN, timeout_ms)) return -1;
    }
}

bool write_all(int fd, iovec* iov, int count, int timeout_ms) {
    while (count > 0) {
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<std::size_t>(count);
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
            if (!wait_for(fd, POLLOUT, timeout_ms)) return false;
            continue;
        }
        auto left = static_cast<std::size_t>(n);
        while (count > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            ++iov;
            --count;
        }
        if (count > 0) {
            iov->iov_base = static_cast<char*>(iov->iov_base) + left;
            iov->iov_len -= left;
        }
    }
    return true;
}

bool send_file_all(int fd, int file_fd, std::uint64_t offset, std::uint64_t count, int timeout_ms,
                   std::uint64_t& sent) {
    sent = 0;
    auto off = static_cast<off_t>(offset);
    while (sent < count) {
        ssize_t n = ::sendfile(fd, file_fd, &off, static_cast<std::size_t>(count - sent));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
            if (!wait_for(fd, POLLOUT, timeout_ms)) return false;
            continue;
        }
        if (n == 0) return false;  // the file is shorter than promised
        sent += static_cast<std::uint64_t>(n);
    }
    return true;
}

}  // namespace appserver
