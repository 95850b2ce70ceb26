#pragma once
// The kernel's own figure for a listening socket's accept queue: connections the kernel has
// completed that no worker has accept()ed yet, and the queue's limit (the listen backlog). TCP:
// getsockopt(TCP_INFO) on the listening socket (tcpi_unacked is the queue, tcpi_sacked the limit,
// as uWSGI reads it); unix sockets: sock_diag (NETLINK_SOCK_DIAG, UNIX_DIAG_RQLEN).

#include <cstdint>

namespace appserver {

struct ListenQueue {
    bool known = false;  // false: the kernel would not say (the figures are 0)
    std::uint64_t queue = 0;
    std::uint64_t max_queue = 0;
};

ListenQueue read_listen_queue(int fd, bool is_unix);

}  // namespace appserver
