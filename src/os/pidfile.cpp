#include "os/pidfile.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "log/log.h"
#include "os/proc_stat.h"
#include "os/unique_fd.h"

namespace appserver {

std::optional<pid_t> read_pidfile(const std::string& path, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = "cannot read pidfile " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::string text;
    std::getline(in, text);
    // The number alone, spaces around it allowed: "123abc" names no process.
    std::size_t first = text.find_first_not_of(" \t\r");
    std::size_t last = text.find_last_not_of(" \t\r");
    std::string_view digits =
        first == std::string::npos ? std::string_view() : std::string_view(text).substr(first, last - first + 1);
    pid_t pid = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || pid <= 0) {
        error = "pidfile " + path + " holds no pid";
        return std::nullopt;
    }
    return pid;
}

namespace {

// After dropping root the master may no longer create files next to `path` (a root-owned
// directory) or replace it (sticky /tmp: only the owner may); a file handed over to it can still
// be rewritten where it is.
bool overwrite_in_place(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
    return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

bool refused(int err) { return err == EACCES || err == EPERM; }

bool out_of_space(int err) { return err == ENOSPC || err == EDQUOT; }

// On a full disk a new file gets no block, but an existing one keeps its own: the text is written
// over the old one (no O_TRUNC, which would give the block away to the next writer, e.g. the log)
// and the file is then cut to its length. Readers take the first line only.
bool overwrite_keeping_blocks(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_size <= 0) return false;
    return ::pwrite(fd.get(), text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
           ::ftruncate(fd.get(), static_cast<off_t>(text.size())) == 0;
}

}  // namespace

// Errors name `path`, the file the user configured, never the temporary file beside it: the errno
// (a missing directory, no room, no permission) is the same for both.
bool write_file_atomic(const std::string& path, const std::string& text, std::string& error) {
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    // A new file only, never through a symlink: the name is predictable (the pid is in the
    // pidfile), and in a directory others may write to (pidfile = /tmp/app.pid) a link planted
    // there would have root truncate and fill whatever it points at. What is in the way (a
    // leftover, or a planted link: unlink removes the link, not its target) goes, once.
    constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd fd(::open(tmp.c_str(), kCreate, 0644));
    if (!fd && errno == EEXIST && ::unlink(tmp.c_str()) == 0)
        fd = UniqueFd(::open(tmp.c_str(), kCreate, 0644));
    if (!fd) {
        int err = errno;
        if (refused(err) && overwrite_in_place(path, text)) return true;
        if (out_of_space(err) && overwrite_keeping_blocks(path, text)) return true;
        error = log::syscall_error("open", path, err);
        return false;
    }
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        int err = errno;
        ::unlink(tmp.c_str());
        if (out_of_space(err) && overwrite_keeping_blocks(path, text)) return true;
        error = log::syscall_error("write", path, err);
        return false;
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        if (refused(err) && overwrite_in_place(path, text)) return true;
        error = log::syscall_error("rename", path, err);
        return false;
    }
    return true;
}

bool write_pidfile(const std::string& path, pid_t pid, std::string& error) {
    std::string text = std::to_string(pid) + "\n";
    // A master re-executed by a reload keeps its pid: its pidfile is already right, and it may no
    // longer be allowed to replace it (it runs as uid now).
    std::ifstream in(path);
    std::stringstream current;
    current << in.rdbuf();
    if (in && current.str() == text) return true;
    if (write_file_atomic(path, text, error)) return true;
    error = "pidfile " + path + ": " + error;
    return false;
}

bool is_live_process(pid_t pid) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
    std::optional<ProcStat> stat = read_proc_stat(pid);
    return stat && stat->state != 'Z';
}

namespace {

// The program a process runs: /proc/PID/exe's file name (an upgrade that replaced the file leaves
// " (deleted)" after it); empty when it cannot be read (another user's process, without root).
std::string program_name(pid_t pid) {
    char target[4096];
    std::string link = "/proc/" + std::to_string(pid) + "/exe";
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) return {};
    std::string path(target, static_cast<std::size_t>(n));
    constexpr std::string_view deleted = " (deleted)";
    if (path.ends_with(deleted)) path.resize(path.size() - deleted.size());
    return path.substr(path.rfind('/') + 1);
}

// Whether `pid` runs this program (by the executable's name: a reinstalled binary is another file).
bool runs_this_program(pid_t pid) {
    static const std::string own = program_name(::getpid());
    std::string name = program_name(pid);
    if (!name.empty() && !own.empty()) return name == own;
    // Unreadable: argv[0], which a process title may have replaced ("appserver: master").
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string first;
    std::getline(cmdline, first, '\0');
    return first.find("appserver") != std::string::npos;
}

}  // namespace

bool is_live_appserver(pid_t pid) {
    if (!is_live_process(pid) || !runs_this_program(pid)) return false;
    // A worker, mule or spooler runs the same program: forked by its master and still in the
    // master's session. (Attached daemons get a session of their own, so another appserver run
    // as one is a master.) A stale pidfile whose pid now belongs to another site's worker must
    // not have --stop retire that worker and report success.
    std::optional<ProcStat> self = read_proc_stat(pid);
    if (!self || self->ppid <= 1 || !runs_this_program(self->ppid)) return true;
    std::optional<ProcStat> parent = read_proc_stat(self->ppid);
    return !parent || parent->session != self->session;
}

bool check_pidfile_free(const std::string& path, std::string& error) {
    if (::access(path.c_str(), F_OK) != 0) return true;
    std::string ignored;
    auto pid = read_pidfile(path, ignored);
    if (pid && *pid != ::getpid() && is_live_appserver(*pid)) {
        error = "pidfile " + path + ": appserver is already running with pid " + std::to_string(*pid);
        return false;
    }
    return true;
}

}  // namespace appserver
