#pragma once
// Listening sockets: parsing "host:port", ":port", "[v6]:port" or a unix path, binding, listening.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"

namespace appserver {

enum class Protocol { http, uwsgi };

struct ListenAddress {
    std::string spec;       // as the user wrote it
    bool is_unix = false;
    std::string host;       // empty: all IPv4 addresses (":8000")
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
};

// Binds and listens (non-blocking, close-on-exec, SO_REUSEADDR). False: `error` is one line naming
// the address and the failing call with errno (e.g. address in use).
bool open_listen_socket(ListenSocket& socket, int backlog, int unix_mode, std::string& error);

// Takes over an already listening socket (inherited across a reload) and reads back its address.
void adopt_listen_socket(ListenSocket& socket, int fd);

}  // namespace appserver
