#include "os/socket_activation.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "appserver/ascii.h"
#include "log/log.h"

namespace appserver {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START

bool parse_int(std::string_view text, long& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool is_any_host(std::string_view host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

// The configured host's addresses in binary form (numeric, or resolved like the bind would).
bool host_matches(const std::string& host, const BoundAddress& bound) {
    unsigned char mine[sizeof(in6_addr)] = {}, theirs[sizeof(in6_addr)] = {};
    int family = bound.family;
    if (::inet_pton(family, bound.host.c_str(), theirs) != 1) return false;
    std::size_t size = family == AF_INET ? sizeof(in_addr) : sizeof(in6_addr);
    if (::inet_pton(family, host.c_str(), mine) == 1) return std::memcmp(mine, theirs, size) == 0;
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return false;
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
    for (const addrinfo* ai = res; ai; ai = ai->ai_next) {
        const void* a =
            family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
        if (std::memcmp(a, theirs, size) == 0) return true;
    }
    return false;
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int socket_option(int fd, int option) {
    int value = 0;
    socklen_t len = sizeof value;
    if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) return -1;
    return value;
}

// One line saying what is wrong with fd `fd`, or "" when it is a listening stream socket we serve.
std::string check_socket(int fd, const std::string& label, std::optional<BoundAddress>& bound) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return label + ": " + log::syscall_error("fstat", "fd " + std::to_string(fd), errno);
    if (!S_ISSOCK(st.st_mode)) return label + " is not a socket";
    bound = bound_address(fd);
    if (!bound) return label + ": address family not served (inet, inet6 or unix only)";
    std::string what = label + " (" + bound->name() + ")";
    if (socket_option(fd, SO_TYPE) != SOCK_STREAM)
        return what + " is not a stream socket (appserver serves ListenStream= sockets)";
    if (socket_option(fd, SO_ACCEPTCONN) != 1) return what + " is not listening";
    return "";
}

}  // namespace

std::string BoundAddress::name() const {
    if (family == AF_UNIX) return unix_path;
    if (family == AF_INET6) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

std::optional<BoundAddress> bound_address(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return std::nullopt;
    BoundAddress b;
    b.family = addr.ss_family;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &a4->sin_addr, text, sizeof text);
        b.port = ntohs(a4->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
        ::inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof text);
        b.port = ntohs(a6->sin6_port);
    } else if (addr.ss_family == AF_UNIX) {
        auto* un = reinterpret_cast<const sockaddr_un*>(&addr);
        std::size_t n = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
        if (n > 0 && un->sun_path[0] == '\0') {
            b.unix_path = "@" + std::string(un->sun_path + 1, n - 1);
        } else {
            b.unix_path = std::string(un->sun_path, strnlen(un->sun_path, n));
        }
        return b;
    } else {
        return std::nullopt;
    }
    b.host = text;
    return b;
}

bool address_matches(const ListenAddress& configured, const BoundAddress& bound) {
    if (configured.is_unix) {
        if (bound.family != AF_UNIX || bound.unix_path.empty()) return false;
        return configured.unix_path == bound.unix_path ||
               (bound.unix_path[0] == '/' && same_file(configured.unix_path, bound.unix_path));
    }
    if (bound.family != AF_INET && bound.family != AF_INET6) return false;
    if (configured.port == 0 || configured.port != bound.port) return false;
    if (is_any_host(configured.host)) return is_any_host(bound.host);
    return host_matches(configured.host, bound);
}

Protocol protocol_for_name(std::string_view name) {
    constexpr std::string_view kUwsgi = "uwsgi";
    return name.size() >= kUwsgi.size() && ascii::iequals(name.substr(0, kUwsgi.size()), kUwsgi)
               ? Protocol::uwsgi
               : Protocol::http;
}

std::optional<ListenFds> parse_listen_fds(const char* listen_pid, const char* listen_fds,
                                          const char* listen_fdnames, pid_t self, std::string& error) {
    ListenFds out;
    long pid = 0, count = 0;
    if (listen_pid == nullptr || listen_fds == nullptr) return out;
    if (!parse_int(listen_pid, pid) || pid != self) return out;  // meant for another process
    if (!parse_int(listen_fds, count) || count < 0 || count > 4096) {
        error = "socket activation: LISTEN_FDS=\"" + std::string(listen_fds) + "\" is not a count of sockets";
        return std::nullopt;
    }
    out.count = static_cast<int>(count);
    std::string_view names = listen_fdnames ? listen_fdnames : "";
    for (int i = 0; i < out.count; ++i) {
        auto colon = names.find(':');
        out.names.emplace_back(names.substr(0, colon));
        names = colon == std::string_view::npos ? std::string_view() : names.substr(colon + 1);
    }
    return out;
}

std::optional<std::vector<ActivatedSocket>> take_activated_sockets(std::string& error) {
    std::optional<ListenFds> fds = parse_listen_fds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                                                    std::getenv("LISTEN_FDNAMES"), ::getpid(), error);
    if (!fds) return std::nullopt;
    std::vector<ActivatedSocket> taken;
    if (fds->count == 0) return taken;
    for (std::string_view name : kListenVariables) ::unsetenv(std::string(name).c_str());
    for (int i = 0; i < fds->count; ++i) {
        int fd = kFirstFd + i;
        const std::string& name = fds->names[static_cast<std::size_t>(i)];
        std::string label =
            "socket activation: fd " + std::to_string(fd) + (name.empty() ? "" : " (\"" + name + "\")");
        std::optional<BoundAddress> bound;
        if (std::string why = check_socket(fd, label, bound); !why.empty()) {
            error = why;
            return std::nullopt;
        }
        int flags = ::fcntl(fd, F_GETFL);
        if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || flags < 0 ||
            ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
            error = label + ": " + log::syscall_error("fcntl", "fd " + std::to_string(fd), errno);
            return std::nullopt;
        }
        taken.push_back(ActivatedSocket{.fd = fd, .name = name, .bound = *bound});
    }
    return taken;
}

}  // namespace appserver
