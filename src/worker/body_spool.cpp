#include "worker/body_spool.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "log/log.h"

namespace appserver {
namespace {

std::string spool_dir() {
    const char* dir = std::getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

}  // namespace

bool BodySpool::open(std::string& error) {
    std::string dir = spool_dir();
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        // A file system without O_TMPFILE: a named file, unlinked at once.
        std::string path = dir + "/appserver-body-XXXXXX";
        fd = ::mkostemp(path.data(), O_CLOEXEC);
        if (fd >= 0 && ::unlink(path.c_str()) != 0) {
            error = log::syscall_error("unlink", "request body spool in " + dir, errno);
            ::close(fd);
            return false;
        }
    }
    if (fd < 0) {
        error = log::syscall_error("open(O_TMPFILE)", dir, errno);
        return false;
    }
    fd_.reset(fd);
    return true;
}

bool BodySpool::append(std::string_view data, std::string& error) {
    if (!fd_ && !open(error)) return false;
    while (!data.empty()) {
        ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(size_));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error =
                log::syscall_error("pwrite", "request body spool in " + spool_dir(), n < 0 ? errno : ENOSPC);
            return false;
        }
        size_ += static_cast<std::uint64_t>(n);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

long BodySpool::read(char* buf, std::size_t size) {
    if (!fd_ || unread() == 0 || size == 0) return 0;
    if (size > unread()) size = static_cast<std::size_t>(unread());
    for (;;) {
        ssize_t n = ::pread(fd_.get(), buf, size, static_cast<off_t>(pos_));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            spdlog::error("{}", log::syscall_error("pread", "request body spool", n < 0 ? errno : EIO));
            return -1;
        }
        pos_ += static_cast<std::uint64_t>(n);
        return static_cast<long>(n);
    }
}

void BodySpool::reset() {
    fd_.reset();
    size_ = 0;
    pos_ = 0;
}

}  // namespace appserver
