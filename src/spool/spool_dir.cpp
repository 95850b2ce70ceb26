#include "spool/spool_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "log/log.h"

namespace appserver::spool {
namespace {

std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
    return buffer;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Names in `dir` (no . and ..), in directory order.
std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return names;
    while (const dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(d);
    return names;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void collect(const std::string& dir, bool ordered, std::vector<std::string>& out) {
    std::vector<std::string> names = entries(dir);
    if (ordered) version_sort(names);
    for (const std::string& name : names) {
        std::string path = dir + "/" + name;
        if (ordered && is_priority_name(name) && is_directory(path)) {
            collect(path, false, out);  // uWSGI scans a priority directory in version order too
            continue;
        }
        if (is_task_name(name)) out.push_back(std::move(path));
    }
}

}  // namespace

std::optional<std::string> write_task(const std::string& dir, const Vars& vars, std::string_view body,
                                      std::uint64_t counter, std::string& error) {
    std::string content;
    if (!encode_task(vars, body, content, error)) return std::nullopt;
    Placement placement = placement_of(vars);
    std::string target_dir = dir;
    if (!placement.priority.empty()) {
        target_dir += "/" + placement.priority;
        // As uWSGI: created on demand, an existing one is fine (its error is not checked).
        if (::mkdir(target_dir.c_str(), 0777) != 0 && errno != EEXIST) {
            error = log::syscall_error("mkdir", target_dir, errno);
            return std::nullopt;
        }
    }
    // Per thread: request threads spool concurrently (without the GIL).
    thread_local std::mt19937 random_source{std::random_device{}()};
    timeval now{};
    ::gettimeofday(&now, nullptr);
    std::string name = task_file_name(host_name(), static_cast<long>(::getpid()), counter,
                                      static_cast<int>(random_source() & 0x7fffffff), now.tv_sec, now.tv_usec);
    std::string path = target_dir + "/" + name;
    std::string temp = target_dir + "/." + name;
    // Errors name the task file, not the hidden temporary one it is written as (same directory, same
    // errno), so the message points at a path the user knows.
    UniqueFd fd(::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, S_IRUSR | S_IWUSR));
    if (!fd) {
        error = log::syscall_error("open", path, errno);
        return std::nullopt;
    }
    auto fail = [&](const char* call) {
        error = log::syscall_error(call, path, errno);
        ::unlink(temp.c_str());
        return std::nullopt;
    };
    if (!write_all(fd.get(), content)) return fail("write");
    if (placement.at > 0) {
        timespec times[2] = {{.tv_sec = placement.at, .tv_nsec = 0}, {.tv_sec = placement.at, .tv_nsec = 0}};
        if (::futimens(fd.get(), times) != 0) return fail("futimens");
    }
    if (::close(fd.release()) != 0) return fail("close");
    if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename");
    return path;
}

std::vector<std::string> list_tasks(const std::string& dir, bool ordered) {
    std::vector<std::string> out;
    collect(dir, ordered, out);
    return out;
}

TakeStatus take_task(const std::string& path, std::int64_t now, TakenTask& task, std::string& error) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return TakeStatus::skip;
    if (st.st_mtime > now) return TakeStatus::skip;  // `at` in the future
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return TakeStatus::skip;  // gone (another spooler finished it) or not ours to run
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_OFD_SETLK, &lock) != 0) return TakeStatus::skip;  // another spooler runs it
    // Opened before another spooler deleted it after its run: the lock is ours but the task is done.
    struct stat held {};
    if (::fstat(fd.get(), &held) != 0 || held.st_nlink == 0) return TakeStatus::skip;
    std::string content;
    content.resize(static_cast<std::size_t>(held.st_size));
    std::size_t got = 0;
    while (got < content.size()) {
        ssize_t n = ::pread(fd.get(), content.data() + got, content.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = log::syscall_error("read", path, errno);
            return TakeStatus::skip;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    content.resize(got);
    switch (decode_task(content, task.vars, task.body, error)) {
        case DecodeStatus::short_file: return TakeStatus::skip;
        case DecodeStatus::broken: return TakeStatus::broken;
        case DecodeStatus::ok: break;
    }
    task.path = path;
    task.fd = std::move(fd);
    return TakeStatus::taken;
}

bool remove_task(const std::string& path, std::string& error) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return true;
    error = log::syscall_error("unlink", path, errno);
    return false;
}

}  // namespace appserver::spool
