#pragma once
// Listening sockets: parsing "host:port", ":port", "[v6]:port" or a unix path, binding, listening.

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"

namespace appserver {

enum class Protocol { http, uwsgi };

struct ListenAddress {
    std::string spec;  // as the user wrote it
    bool is_unix = false;
    std::string host;  // empty: all IPv4 addresses (":8000")
    int port = 0;
    std::string unix_path;
};

// Parses one address; nullopt with `error` naming the address when it cannot be understood.
std::optional<ListenAddress> parse_listen_address(std::string_view spec, std::string& error);

struct ListenSocket {
    UniqueFd fd;
    Protocol protocol = Protocol::http;
    ListenAddress address;
    std::string bound_name;  // "127.0.0.1:8000", "[::1]:8000", "/run/app.sock" (actual port if 0 asked)
    int local_port = 0;
    std::string local_host;  // numeric host the socket is bound to
    // Passed by the service manager (socket activation): it owns the socket and its file, so
    // vacuum leaves a unix socket's path alone.
    bool activated = false;
};

// What a unix socket file gets after bind: chmod-socket (mode, -1: as the umask leaves it) and
// chown-socket (owner and group, -1: unchanged), so that a front proxy running as another user
// can connect once the master dropped root.
struct UnixSocketAccess {
    int mode = -1;
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
};

// Binds and listens (non-blocking, close-on-exec, SO_REUSEADDR). False: `error` is one line naming
// the address and the failing call with errno (e.g. address in use).
bool open_listen_socket(ListenSocket& socket, int backlog, const UnixSocketAccess& unix_access,
                        std::string& error);

// Takes over an already listening socket (inherited across a reload) and reads back its address.
void adopt_listen_socket(ListenSocket& socket, int fd);

}  // namespace appserver
