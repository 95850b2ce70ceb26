#pragma once
// The service manager's notification protocol (sd_notify(3)), written out rather than linking
// libsystemd: one datagram of "KEY=VALUE" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET
// (a path, or "@name" for the abstract namespace). Nothing waits for an answer: a manager that is
// slow or gone costs a dropped datagram, never a blocked master.

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "os/unique_fd.h"

namespace appserver::sd {

// Where $NOTIFY_SOCKET points, parsed. Nullopt for anything that is not an absolute path or an
// "@abstract" name of a size that fits sockaddr_un (`why` says what was wrong, for a debug line).
struct NotifyAddress {
    sockaddr_un addr{};
    socklen_t length = 0;
};
std::optional<NotifyAddress> parse_notify_address(std::string_view value, std::string& why);

// $WATCHDOG_USEC when it asks this process (`pid`) for pings: WATCHDOG_PID absent or equal to
// `pid`. 0: no watchdog.
std::uint64_t watchdog_interval_us(const char* watchdog_usec, const char* watchdog_pid, pid_t pid);

class Notifier {
public:
    // Reads $NOTIFY_SOCKET (left in the environment: applications may speak to the manager
    // themselves when NotifyAccess= allows). Unset or invalid: a notifier that sends nothing.
    static Notifier from_environment();
    Notifier() = default;

    bool active() const { return static_cast<bool>(fd_); }
    // Sends `message` (newline-separated assignments) without blocking; false when it was not sent
    // (logged at debug level: the manager may simply not listen). Only from the process that made
    // the notifier: a forked child never speaks for the master.
    bool send(std::string_view message);
    // In a forked child: drops the socket.
    void close_in_child() { fd_.reset(); }

private:
    UniqueFd fd_;
    NotifyAddress address_;
    pid_t owner_ = 0;
};

}  // namespace appserver::sd
