#pragma once
// Blocking reads and writes with a deadline on a non-blocking socket: what a request thread uses
// while the application runs (the event loop never calls these).

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

namespace appserver {

// Reads what is available (waiting up to timeout_ms for something). Returns bytes read, 0 on EOF,
// -1 on error or timeout.
long read_some(int fd, char* buf, std::size_t size, int timeout_ms);

// Waits up to timeout_ms for the socket to take more. False on timeout or error.
bool wait_writable(int fd, int timeout_ms);

// Writes every byte of the iovecs (modified in place). False on error, peer gone or timeout.
bool write_all(int fd, iovec* iov, int count, int timeout_ms);

// Sends `count` bytes of file `file_fd` from `offset` with sendfile(2). False on error or timeout;
// `sent` tells how far it got.
bool send_file_all(int fd, int file_fd, std::uint64_t offset, std::uint64_t count, int timeout_ms,
                   std::uint64_t& sent);

}  // namespace appserver
