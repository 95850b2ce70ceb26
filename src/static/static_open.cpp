#include "static/static_open.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <unordered_map>

#include "log/log.h"

namespace appserver {
namespace {

std::atomic<bool> g_openat2{true};

constexpr int kReadFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

std::string join(std::string_view dir, std::string_view rel) {
    std::string out(dir);
    if (rel.empty()) return out;
    if (out.empty() || out.back() != '/') out += '/';
    out += rel;
    return out;
}

// openat2 with RESOLVE_BENEATH: no absolute path, no ".." and no symlink may take the lookup out of
// `dirfd`'s directory (EXDEV); no /proc magic link either. -1 with errno; ENOSYS when unavailable.
int open_beneath(int dirfd, const std::string& rel, int flags) {
    if (!g_openat2.load(std::memory_order_relaxed)) {
        errno = ENOSYS;
        return -1;
    }
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    // EAGAIN: a rename raced a ".." in the lookup; a few tries, then give up (a rename storm
    // must not hold the loop).
    for (int tries = 0;; ++tries) {
        long fd = ::syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how);
        if (fd >= 0) return static_cast<int>(fd);
        if (errno == EINTR || (errno == EAGAIN && tries < 8)) continue;
        if (errno == ENOSYS) g_openat2.store(false, std::memory_order_relaxed);
        return -1;
    }
}

StaticOpen missing() { return {}; }

StaticOpen refused(std::string reason) {
    StaticOpen out;
    out.result = StaticOpen::Result::refused;
    out.reason = std::move(reason);
    return out;
}

std::string type_name(mode_t mode) {
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISLNK(mode)) return "a symlink";
    return "not a regular file";
}

// What a failed lookup means for the client: nothing there goes to the application (as in
// uWSGI); anything else (EACCES, ELOOP...) is a file that may not be served.
StaticOpen lookup_failed(const std::string& path, int err) {
    if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) return missing();
    return refused(log::syscall_error("open", path, err));
}

// Opens for reading what `where` (an O_PATH descriptor of a regular file) names, through `reopen`,
// and checks it is still the same file: a swap between the two opens is refused, not served.
template <typename Reopen>
StaticOpen open_for_reading(const struct stat& seen, const std::string& path, const std::string& rel,
                            Reopen reopen) {
    StaticOpen out;
    UniqueFd fd(reopen());
    if (!fd) return lookup_failed(path, errno);
    if (::fstat(fd.get(), &out.file.st) != 0) return refused(log::syscall_error("fstat", path, errno));
    if (!S_ISREG(out.file.st.st_mode) || out.file.st.st_ino != seen.st_ino ||
        out.file.st.st_dev != seen.st_dev)
        return refused(path + " changed while it was opened");
    out.result = StaticOpen::Result::opened;
    out.file.fd = std::move(fd);
    out.file.path = path;
    out.file.relative = rel;
    return out;
}

bool under(std::string_view real, std::string_view dir) {
    if (dir == "/") return true;
    return real.starts_with(dir) && (real.size() == dir.size() || real[dir.size()] == '/');
}

// Without openat2, or for a symlink out of the mapped directory: the real path must lie under the
// directory or a static-safe one. Its components are no longer symlinks, so the final open refuses
// one (O_NOFOLLOW) that appeared since.
StaticOpen open_by_realpath(const StaticConfig& config, const std::string& root, const std::string& rel,
                            bool try_index) {
    std::string path = join(root, rel);
    char real[PATH_MAX];
    if (!::realpath(path.c_str(), real)) return lookup_failed(path, errno);
    char real_root[PATH_MAX];
    bool allowed = ::realpath(root.c_str(), real_root) && under(real, real_root);
    for (std::size_t i = 0; !allowed && i < config.safe.size(); ++i) {
        char real_safe[PATH_MAX];
        allowed = ::realpath(config.safe[i].c_str(), real_safe) && under(real, real_safe);
    }
    if (!allowed)
        return refused(path + " is " + real + ", outside " + root + " and every static-safe directory");
    UniqueFd where(::open(real, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!where) return lookup_failed(path, errno);
    struct stat st {};
    if (::fstat(where.get(), &st) != 0) return refused(log::syscall_error("fstat", path, errno));
    if (S_ISDIR(st.st_mode)) {
        if (!try_index) return missing();
        for (const auto& name : config.index) {
            StaticOpen found = open_by_realpath(config, root, join(rel, name), false);
            if (found.result != StaticOpen::Result::missing) return found;
        }
        return missing();
    }
    if (!S_ISREG(st.st_mode)) return refused(path + " is " + type_name(st.st_mode));
    return open_for_reading(st, path, rel, [&] { return ::open(real, kReadFlags | O_NOFOLLOW); });
}

StaticOpen open_in(const StaticConfig& config, int rootfd, const std::string& root, const std::string& rel,
                   bool try_index) {
    std::string path = join(root, rel);
    if (!rel.empty()) {
        // The common case first: the path names a regular file, not a symlink. stat(2) reads its
        // type without opening anything (what the O_PATH descriptor below is for), in one syscall
        // instead of three (open, fstat, close): ~1.5 us of a 10 KB request's ~15. Nothing there is
        // a miss at once. Anything else (a directory, a symlink, an error) takes the path below.
        struct stat seen {};
        if (::fstatat(rootfd, rel.c_str(), &seen, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG) return missing();
        } else if (S_ISREG(seen.st_mode)) {
            // Opened beneath the directory all the same: a symlink among the path's directories
            // that leads out is EXDEV here, and the realpath check decides, as below.
            UniqueFd fd(open_beneath(rootfd, rel, kReadFlags));
            if (!fd && (errno == EXDEV || errno == ENOSYS || errno == EPERM))
                return open_by_realpath(config, root, rel, try_index);
            int err = errno;
            return open_for_reading(seen, path, rel, [&] {
                errno = err;
                return fd.release();
            });
        }
    }
    UniqueFd where;
    if (rel.empty()) {
        where.reset(::fcntl(rootfd, F_DUPFD_CLOEXEC, 0));
        if (!where) return refused(log::syscall_error("fcntl", path, errno));
    } else {
        where.reset(open_beneath(rootfd, rel, O_PATH | O_CLOEXEC));
        if (!where) {
            // EXDEV: a symlink (or, had it got through, a "..") leads out of the directory. ENOSYS:
            // no openat2. EPERM: what a container's seccomp filter answers for a syscall it does not
            // know (Docker before 20.10); the realpath check is as safe, for this lookup.
            if (errno == EXDEV || errno == ENOSYS || errno == EPERM)
                return open_by_realpath(config, root, rel, try_index);
            return lookup_failed(path, errno);
        }
    }
    struct stat st {};
    if (::fstat(where.get(), &st) != 0) return refused(log::syscall_error("fstat", path, errno));
    if (S_ISDIR(st.st_mode)) {
        if (!try_index) return missing();
        for (const auto& name : config.index) {
            StaticOpen found = open_in(config, rootfd, root, join(rel, name), false);
            if (found.result != StaticOpen::Result::missing) return found;
        }
        return missing();
    }
    if (!S_ISREG(st.st_mode)) return refused(path + " is " + type_name(st.st_mode));
    return open_for_reading(st, path, rel, [&] { return open_beneath(rootfd, rel, kReadFlags); });
}

// The mapped directory's O_PATH descriptor, kept per thread and opened again once a second: two
// syscalls less per request, and a deploy that swaps the directory (a symlink moved to a new
// release) is seen within a second. -1 with errno when the directory cannot be opened.
int mapped_directory(const StaticMount& mount) {
    struct Entry {
        std::string target;
        UniqueFd fd;
        std::time_t opened = 0;
    };
    thread_local std::unordered_map<const StaticMount*, Entry> cache;
    std::time_t now = std::time(nullptr);
    Entry& e = cache[&mount];
    if (e.fd && e.target == mount.target && e.opened == now) return e.fd.get();
    e.fd.reset(::open(mount.target.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!e.fd) return -1;
    e.target = mount.target;
    e.opened = now;
    return e.fd.get();
}

}  // namespace

StaticOpen open_static(const StaticConfig& config, const StaticCandidate& candidate,
                       std::string_view relative_suffix) {
    const StaticMount& mount = *candidate.mount;
    if (mount.is_file) {
        // One file the operator named: its path is theirs, symlinks included.
        std::string path = mount.target + std::string(relative_suffix);
        UniqueFd where(::open(path.c_str(), O_PATH | O_CLOEXEC));
        if (!where) return lookup_failed(path, errno);
        struct stat st {};
        if (::fstat(where.get(), &st) != 0) return refused(log::syscall_error("fstat", path, errno));
        if (!S_ISREG(st.st_mode))
            return S_ISDIR(st.st_mode) ? missing() : refused(path + " is " + type_name(st.st_mode));
        return open_for_reading(st, path, "", [&] { return ::open(path.c_str(), kReadFlags); });
    }
    std::string rel = candidate.relative + std::string(relative_suffix);
    if (!g_openat2.load(std::memory_order_relaxed))
        return open_by_realpath(config, mount.target, rel, relative_suffix.empty());
    int rootfd = mapped_directory(mount);
    if (rootfd < 0) return lookup_failed(mount.target, errno);
    return open_in(config, rootfd, mount.target, rel, relative_suffix.empty());
}

void static_force_realpath_for_tests(bool on) { g_openat2.store(!on, std::memory_order_relaxed); }

}  // namespace appserver
