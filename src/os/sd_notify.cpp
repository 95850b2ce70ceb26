#include "os/sd_notify.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "log/log.h"

namespace appserver::sd {

std::optional<NotifyAddress> parse_notify_address(std::string_view value, std::string& why) {
    NotifyAddress a;
    a.addr.sun_family = AF_UNIX;
    if (value.size() < 2 || (value[0] != '/' && value[0] != '@')) {
        why =
            "NOTIFY_SOCKET=\"" + std::string(value) + "\" is neither an absolute path nor an @abstract name";
        return std::nullopt;
    }
    if (value.size() >= sizeof a.addr.sun_path) {
        why = "NOTIFY_SOCKET is longer than a unix socket address allows";
        return std::nullopt;
    }
    std::memcpy(a.addr.sun_path, value.data(), value.size());
    // An abstract name starts with a NUL byte and is exactly as long as given (no terminator).
    if (value[0] == '@') a.addr.sun_path[0] = '\0';
    a.length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + value.size() + (value[0] == '/' ? 1 : 0));
    return a;
}

std::uint64_t watchdog_interval_us(const char* watchdog_usec, const char* watchdog_pid, pid_t pid) {
    if (watchdog_usec == nullptr) return 0;
    std::string_view text(watchdog_usec);
    std::uint64_t usec = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), usec);
    if (ec != std::errc() || end != text.data() + text.size()) return 0;
    if (watchdog_pid != nullptr && *watchdog_pid != '\0') {
        std::string_view p(watchdog_pid);
        long owner = 0;
        auto [pend, pec] = std::from_chars(p.data(), p.data() + p.size(), owner);
        if (pec != std::errc() || pend != p.data() + p.size() || owner != pid) return 0;
    }
    return usec;
}

Notifier Notifier::from_environment() {
    Notifier n;
    const char* value = std::getenv("NOTIFY_SOCKET");
    if (value == nullptr) return n;
    std::string why;
    auto address = parse_notify_address(value, why);
    if (!address) {
        spdlog::debug("service notifications off: {}", why);  // systemd's own behaviour: silence
        return n;
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
        spdlog::debug("service notifications off: {}", log::syscall_error("socket", value, errno));
        return n;
    }
    n.fd_ = std::move(fd);
    n.address_ = *address;
    n.owner_ = ::getpid();
    return n;
}

bool Notifier::send(std::string_view message) {
    if (!fd_ || ::getpid() != owner_) return false;
    ssize_t sent = ::sendto(fd_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                            reinterpret_cast<const sockaddr*>(&address_.addr), address_.length);
    if (sent == static_cast<ssize_t>(message.size())) return true;
    std::string path = address_.addr.sun_path[0] == '\0' ? "@" + std::string(address_.addr.sun_path + 1)
                                                         : std::string(address_.addr.sun_path);
    spdlog::debug("service notification not sent: {}", log::syscall_error("sendto", path, errno));
    return false;
}

}  // namespace appserver::sd
