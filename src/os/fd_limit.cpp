#include "os/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstdio>

#include "log/log.h"

namespace appserver {
namespace {

// Linux refuses an RLIMIT_NOFILE above fs.nr_open, also to root; "unlimited" means that.
std::uint64_t nr_open() {
    unsigned long long value = 1024 * 1024;  // the kernel's default
    if (std::FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
        if (std::fscanf(f, "%llu", &value) != 1) value = 1024 * 1024;
        std::fclose(f);
    }
    return value;
}

bool set_limit(FdLimit limit, int& err) {
    rlimit rl{static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
    if (::setrlimit(RLIMIT_NOFILE, &rl) == 0) return true;
    err = errno;
    return false;
}

}  // namespace

FdLimit plan_fd_limit(FdLimit current, std::uint64_t max_fd) {
    if (max_fd == 0) return {current.hard, current.hard};
    if (max_fd <= current.hard) return {max_fd, current.hard};
    return {max_fd, max_fd};
}

FdLimitChange raise_fd_limit(std::uint64_t max_fd) {
    FdLimitChange change;
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        change.warning = log::syscall_error("getrlimit", "RLIMIT_NOFILE", errno);
        return change;
    }
    change.before = {rl.rlim_cur, rl.rlim_max};
    change.after = change.before;
    FdLimit current = change.before;
    if (current.hard == RLIM_INFINITY) current.hard = nr_open();
    FdLimit wanted = plan_fd_limit(current, max_fd);
    if (wanted.soft == change.before.soft && wanted.hard == change.before.hard) return change;
    int err = 0;
    if (set_limit(wanted, err)) {
        change.after = wanted;
        return change;
    }
    FdLimit fallback{current.hard, current.hard};
    if (max_fd > current.hard && err == EPERM) {
        change.warning = "max-fd " + std::to_string(max_fd) + ": over the hard limit of " +
                         std::to_string(current.hard) +
                         " file descriptors; raising it needs root (CAP_SYS_RESOURCE) and stays within "
                         "fs.nr_open: using " +
                         std::to_string(current.hard);
    } else {
        change.warning = log::syscall_error("setrlimit", "RLIMIT_NOFILE " + std::to_string(wanted.soft), err);
    }
    if (fallback.soft != change.before.soft && set_limit(fallback, err)) change.after = fallback;
    return change;
}

std::string describe(const FdLimitChange& change) {
    std::string text = "file descriptors: " + std::to_string(change.after.soft);
    if (change.after.soft > change.before.soft)
        text += " (raised from " + std::to_string(change.before.soft) + ")";
    else if (change.after.soft < change.before.soft)
        text += " (lowered from " + std::to_string(change.before.soft) + " by max-fd)";
    return text;
}

}  // namespace appserver
