#include "os/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "log/log.h"

namespace appserver {
namespace {

bool parse_port(std::string_view text, int& port) {
    if (text.empty()) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    return ec == std::errc() && ptr == text.data() + text.size() && port >= 0 && port <= 65535;
}

std::string numeric_name(const sockaddr_storage& addr, int& port, std::string& host) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET6) {
        auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof buf);
        port = ntohs(a6->sin6_port);
        host = buf;
        return "[" + host + "]:" + std::to_string(port);
    }
    auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof buf);
    port = ntohs(a4->sin_port);
    host = buf;
    return host + ":" + std::to_string(port);
}

// A unix socket file left by a dead run is replaced; one a live server answers on refuses the start.
bool clear_stale_unix_socket(const std::string& path, std::string& error) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return true;
    if (!S_ISSOCK(st.st_mode)) {
        error = "socket " + path + ": exists and is not a socket";
        return false;
    }
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0) {
        error = "socket " + path + ": another server is listening on it";
        return false;
    }
    if (::unlink(path.c_str()) != 0) {
        error = log::syscall_error("unlink", path, errno);
        return false;
    }
    return true;
}

bool open_unix(ListenSocket& s, int backlog, const UnixSocketAccess& access, std::string& error) {
    const std::string& path = s.address.unix_path;
    sockaddr_un sun{};
    if (path.size() >= sizeof sun.sun_path) {
        error = "socket " + path + ": path too long";
        return false;
    }
    if (!clear_stale_unix_socket(path, error)) return false;
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        error = log::syscall_error("socket", path, errno);
        return false;
    }
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
        error = log::syscall_error("bind", path, errno);
        return false;
    }
    // From here a failure removes the file it made: a failed start leaves nothing behind.
    auto fail = [&](const char* call, std::string prefix) {
        error = prefix + log::syscall_error(call, path, errno);
        ::unlink(path.c_str());
        return false;
    };
    if (access.mode >= 0 && ::chmod(path.c_str(), static_cast<mode_t>(access.mode)) != 0)
        return fail("chmod", "");
    // chown(2) on the path: fchown on a socket's descriptor does not change the file.
    bool chown_asked = access.uid != static_cast<uid_t>(-1) || access.gid != static_cast<gid_t>(-1);
    if (chown_asked && ::chown(path.c_str(), access.uid, access.gid) != 0)
        return fail("chown", "chown-socket: ");
    if (::listen(fd.get(), backlog) != 0) return fail("listen", "");
    s.fd = std::move(fd);
    s.bound_name = path;
    return true;
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view spec, std::string& error) {
    ListenAddress a;
    a.spec = std::string(spec);
    if (spec.find('/') != std::string_view::npos || spec.ends_with(".sock")) {
        a.is_unix = true;
        a.unix_path = std::string(spec);
        return a;
    }
    std::string_view host, port;
    if (spec.starts_with("[")) {
        auto close = spec.find(']');
        if (close == std::string_view::npos || close + 1 >= spec.size() || spec[close + 1] != ':') {
            error = "cannot parse address \"" + std::string(spec) + "\" (expected [v6]:port)";
            return std::nullopt;
        }
        host = spec.substr(1, close - 1);
        port = spec.substr(close + 2);
    } else {
        auto colon = spec.rfind(':');
        if (colon == std::string_view::npos) {
            error =
                "cannot parse address \"" + std::string(spec) + "\" (expected host:port, :port or [v6]:port)";
            return std::nullopt;
        }
        host = spec.substr(0, colon);
        port = spec.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            error = "cannot parse address \"" + std::string(spec) + "\" (write IPv6 addresses as [v6]:port)";
            return std::nullopt;
        }
    }
    if (!parse_port(port, a.port)) {
        error = "cannot parse address \"" + std::string(spec) + "\": bad port \"" + std::string(port) + "\"";
        return std::nullopt;
    }
    a.host = std::string(host);
    return a;
}

bool open_listen_socket(ListenSocket& s, int backlog, const UnixSocketAccess& unix_access,
                        std::string& error) {
    if (s.address.is_unix) return open_unix(s, backlog, unix_access, error);

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(s.address.port);
    const char* host = s.address.host.empty() ? "0.0.0.0" : s.address.host.c_str();
    int rc = ::getaddrinfo(host, port.c_str(), &hints, &res);
    if (rc != 0) {
        error = "cannot resolve address \"" + s.address.spec + "\": " + gai_strerror(rc);
        return false;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);

    UniqueFd fd(::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        error = log::syscall_error("socket", s.address.spec, errno);
        return false;
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (res->ai_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    // Wake a worker only once the client has sent something (up to 1 s): the accept and the
    // first read then happen together.
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
    if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) {
        error = log::syscall_error("bind", s.address.spec, errno);
        return false;
    }
    if (::listen(fd.get(), backlog) != 0) {
        error = log::syscall_error("listen", s.address.spec, errno);
        return false;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len);
    s.bound_name = numeric_name(bound, s.local_port, s.local_host);
    s.fd = std::move(fd);
    return true;
}

void adopt_listen_socket(ListenSocket& s, int fd) {
    s.fd.reset(fd);
    if (s.address.is_unix) {
        s.bound_name = s.address.unix_path;
        return;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    s.bound_name = numeric_name(bound, s.local_port, s.local_host);
}

}  // namespace appserver
