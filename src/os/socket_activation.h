#pragma once
// Socket activation (the protocol of sd_listen_fds(3), written out rather than linking libsystemd):
// a service manager that bound the listening sockets itself starts us with them open from fd 3 on,
// and says so in LISTEN_PID (our pid: the variables are for us, not for a process we start),
// LISTEN_FDS (how many) and LISTEN_FDNAMES (their FileDescriptorName=, ':'-separated). The master
// then serves those sockets instead of binding (master/startup.cpp matches them to the configured
// addresses); systemd keeps them open across our restarts, so no connection is refused.

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/listen_socket.h"

namespace appserver {

// What getsockname says a socket is bound to.
struct BoundAddress {
    int family = AF_UNSPEC;  // AF_INET, AF_INET6 or AF_UNIX
    std::string host;        // numeric ("0.0.0.0", "::1"); inet only
    int port = 0;
    std::string unix_path;  // "@name" for an abstract socket
    // "127.0.0.1:8000", "[::]:8000", "/run/app.sock": what the banner shows.
    std::string name() const;
};
std::optional<BoundAddress> bound_address(int fd);

// Whether `configured` (an `http` / `socket` address) names the socket bound at `bound`: the same
// unix socket file (path, or the same inode), or the same port and host, where a configured
// address without a host (":8000"), 0.0.0.0 or [::] names a socket bound to any address, v4 or v6
// (systemd's ListenStream=8000 binds [::]:8000).
bool address_matches(const ListenAddress& configured, const BoundAddress& bound);

// The protocol an inherited socket that no configured address names is served with: uwsgi when its
// name (FileDescriptorName=) starts with "uwsgi" (any case), http otherwise.
Protocol protocol_for_name(std::string_view name);

struct ActivatedSocket {
    int fd = -1;
    std::string name;  // from LISTEN_FDNAMES; empty when not given
    BoundAddress bound;
};

// The variables, parsed: the number of sockets passed to `self` and their names (as many as
// sockets, "" for a missing one). 0 when they are absent or for another process; nullopt with
// `error` when LISTEN_FDS is not a count.
struct ListenFds {
    int count = 0;
    std::vector<std::string> names;
};
std::optional<ListenFds> parse_listen_fds(const char* listen_pid, const char* listen_fds,
                                          const char* listen_fdnames, pid_t self, std::string& error);

// Takes the sockets passed to this process: each must be a listening stream socket (inet, inet6 or
// unix), else nullopt with one line naming the fd and what it is. They are made close-on-exec and
// non-blocking (the workers share them under EPOLLEXCLUSIVE), and LISTEN_PID, LISTEN_FDS and
// LISTEN_FDNAMES are removed from the environment (the application and its children must not take
// them for their own). Empty when nothing was passed to us.
std::optional<std::vector<ActivatedSocket>> take_activated_sockets(std::string& error);

// The variables take_activated_sockets removes.
inline constexpr std::string_view kListenVariables[] = {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"};

}  // namespace appserver
