#pragma once
// The process's limit on open file descriptors (RLIMIT_NOFILE). Every connection costs one, and
// systemd and most shells start services with a soft limit of 1024 while the hard limit allows far
// more: the master raises the soft limit before binding, and the workers inherit it.

#include <cstdint>
#include <string>

namespace appserver {

struct FdLimit {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

// What to ask setrlimit for, given the current limits and `max_fd` (0: not set). Without max-fd,
// the soft limit goes up to the hard one. With it (uWSGI's key), the soft limit becomes max_fd;
// past the hard limit, the hard limit is raised too, which only a privileged process may do.
FdLimit plan_fd_limit(FdLimit current, std::uint64_t max_fd);

struct FdLimitChange {
    FdLimit before;
    FdLimit after;
    std::string warning;  // set when the limit asked for could not be had (the start goes on)
};

// Applies plan_fd_limit. When max-fd asks for more than an unprivileged process may have, takes
// the hard limit instead and says so in `warning`.
FdLimitChange raise_fd_limit(std::uint64_t max_fd);

// "file descriptors: 65536 (raised from 1024)", for the banner.
std::string describe(const FdLimitChange& change);

}  // namespace appserver
