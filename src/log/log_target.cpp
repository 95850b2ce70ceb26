#include "log/log_target.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include "log/log.h"

namespace appserver::log {
namespace {

const std::string kNoPath;

struct FacilityName {
    std::string_view name;
    int code;
};
constexpr std::array kFacilities = {
    FacilityName{"kern", 0 << 3},    FacilityName{"user", 1 << 3},      FacilityName{"mail", 2 << 3},
    FacilityName{"daemon", 3 << 3},  FacilityName{"auth", 4 << 3},      FacilityName{"syslog", 5 << 3},
    FacilityName{"lpr", 6 << 3},     FacilityName{"news", 7 << 3},      FacilityName{"uucp", 8 << 3},
    FacilityName{"cron", 9 << 3},    FacilityName{"authpriv", 10 << 3}, FacilityName{"ftp", 11 << 3},
    FacilityName{"local0", 16 << 3}, FacilityName{"local1", 17 << 3},   FacilityName{"local2", 18 << 3},
    FacilityName{"local3", 19 << 3}, FacilityName{"local4", 20 << 3},   FacilityName{"local5", 21 << 3},
    FacilityName{"local6", 22 << 3}, FacilityName{"local7", 23 << 3},
};

// Lost lines: counted, and said once the target takes lines again. A forked child starts with
// none (its parent's losses are not its own).
class LossCounter {
public:
    // `text`: what could not be written (one line, or a batch of them: each counts).
    void lost(int err, std::string_view text = "\n") {
        reset_after_fork();
        if (count_ == 0) errno_ = err;
        count_ += std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')));
    }
    // The note to write before the next line, or "" when nothing was lost. The count goes on
    // until noted() says the note was written.
    std::string note(std::string_view call) {
        if (count_ == 0) return {};  // the common case, without a getpid(2) per line
        reset_after_fork();
        if (count_ == 0) return {};
        return std::to_string(count_) + " log line(s) lost: " + syscall_error(call, "", errno_) + "\n";
    }
    void noted() { count_ = 0; }

private:
    void reset_after_fork() {
        if (pid_ != ::getpid()) {
            pid_ = ::getpid();
            count_ = 0;
        }
    }
    pid_t pid_ = ::getpid();
    std::uint64_t count_ = 0;
    int errno_ = 0;
};

std::atomic<unsigned> g_stderr_generation{1};

// Waits until `fd` takes bytes again, at most `ms`.
bool wait_writable(int fd, int ms) {
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    for (;;) {
        int r = ::poll(&p, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        return r > 0 && (p.revents & POLLOUT);
    }
}

constexpr int kStreamWaitMs = 100;

// stderr (journal-aware) or a file. One writev(2) of prefix + line: with O_APPEND, atomic.
class FdTarget final : public Target {
public:
    FdTarget(int fd, std::string path, bool journal) : fd_(fd), path_(std::move(path)), journal_(journal) {}
    ~FdTarget() override {
        if (!path_.empty()) ::close(fd_);
    }

    void write(Priority priority, std::string_view line) override {
        std::lock_guard lock(mutex_);
        if (std::string note = losses_.note("write"); !note.empty()) {
            if (!write_one(Priority::warning, note)) {
                losses_.lost(errno, line);
                return;
            }
            losses_.noted();
        }
        // Several lines (the access log's batch) into a pipe: in writes of whole lines within the
        // pipe's atomic size, or another process's line could land in the middle of one.
        while (line.size() > PIPE_BUF && stderr_is_stream()) {
            std::size_t cut = line.rfind('\n', PIPE_BUF - 1);
            if (cut == std::string_view::npos) cut = line.find('\n');  // one long line goes alone
            if (cut == std::string_view::npos || cut + 1 == line.size()) break;
            std::string_view piece = line.substr(0, cut + 1);
            if (!write_one(priority, piece)) {
                losses_.lost(errno, line);  // this piece and the rest, which would wait again
                return;
            }
            line.remove_prefix(piece.size());
        }
        if (!write_one(priority, line)) losses_.lost(errno, line);
    }

    void reopen() override {
        if (path_.empty()) return;
        int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            std::string line = "log file: " + syscall_error("open", path_, errno) + "\n";
            [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
            return;
        }
        // dup2 onto the same number: a thread writing meanwhile writes to the old file or the new.
        ::dup2(fd, fd_);
        ::close(fd);
    }

    const std::string& path() const override { return path_; }
    bool is_journal() const override { return journal_; }

private:
    // Whether fd 2 is a pipe or a socket now (looked at again after it was replaced).
    bool stderr_is_stream() {
        unsigned generation = g_stderr_generation.load(std::memory_order_relaxed);
        if (!path_.empty() || generation == seen_generation_) return stream_;
        seen_generation_ = generation;
        struct stat st {};
        stream_ = ::fstat(fd_, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
        stalled_ = false;
        return stream_;
    }

    // A pipe or socket: never blocks beyond kStreamWaitMs, and not at all once stalled. False
    // with errno set when the bytes (or the rest of them) could not be written.
    bool write_stream(iovec* iov, int n, std::size_t want) {
        std::size_t done = 0;
        while (done < want) {
            ssize_t put = ::pwritev2(fd_, iov, n, -1, RWF_NOWAIT);
            if (put < 0 && errno == EINTR) continue;
            if (put < 0 && errno == EOPNOTSUPP) {  // a kernel without it for this file: as before
                nowait_unsupported_ = true;
                return write_blocking(iov, n, want - done);
            }
            if (put < 0 && errno == EAGAIN) {
                if (stalled_ || !wait_writable(fd_, kStreamWaitMs)) {
                    stalled_ = true;
                    errno = EAGAIN;
                    return false;
                }
                continue;
            }
            if (put < 0) return false;
            stalled_ = false;
            done += static_cast<std::size_t>(put);
            // Past a short write (more than the pipe's atomic size): the rest, from where it stopped.
            for (auto rest = static_cast<std::size_t>(put); rest > 0 && n > 0;) {
                std::size_t take = std::min(rest, iov[0].iov_len);
                iov[0].iov_base = static_cast<char*>(iov[0].iov_base) + take;
                iov[0].iov_len -= take;
                rest -= take;
                if (iov[0].iov_len == 0) {
                    ++iov;
                    --n;
                }
            }
        }
        return true;
    }

    bool write_one(Priority priority, std::string_view line) {
        char prefix[4] = {'<', static_cast<char>('0' + static_cast<int>(priority)), '>', 0};
        iovec iov[2];
        int n = 0;
        if (journal_) iov[n++] = iovec{prefix, 3};
        iov[n++] = iovec{const_cast<char*>(line.data()), line.size()};
        std::size_t want = (journal_ ? 3 : 0) + line.size();
        if (!nowait_unsupported_ && stderr_is_stream()) return write_stream(iov, n, want);
        return write_blocking(iov, n, want);
    }

    bool write_blocking(iovec* iov, int n, std::size_t want) {
        for (;;) {
            ssize_t put = ::writev(fd_, iov, n);
            if (put < 0 && errno == EINTR) continue;
            if (put < 0) return false;
            if (static_cast<std::size_t>(put) == want) return true;
            // A short write (a pipe, a nearly full disk): finish the line rather than leave half
            // of it to be continued by another process's line.
            std::string rest;
            for (int i = 0; i < n; ++i) rest.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
            rest.erase(0, static_cast<std::size_t>(put));
            while (!rest.empty()) {
                ssize_t m = ::write(fd_, rest.data(), rest.size());
                if (m < 0 && errno == EINTR) continue;
                if (m <= 0) return false;
                rest.erase(0, static_cast<std::size_t>(m));
            }
            return true;
        }
    }

    int fd_;
    std::string path_;
    bool journal_;
    std::mutex mutex_;
    LossCounter losses_;
    unsigned seen_generation_ = 0;  // of fd 2, when stream_ was decided
    bool stream_ = false;           // fd 2 is a pipe or a socket
    bool stalled_ = false;          // a wait for it ran out: drop lines until one goes through
    bool nowait_unsupported_ = false;
};

// RFC 3164 datagrams to the local syslog socket, the bytes glibc's syslog(3) sends:
// `<PRI>Nov 27 10:20:42 IDENT[PID]: MESSAGE`. Written here rather than with syslog(3) so that a
// slow syslog daemon costs a lost line, not a blocked worker (MSG_DONTWAIT), and so that the socket
// can be another path (APPSERVER_SYSLOG_SOCKET: a chroot, a container, the tests).
class SyslogTarget final : public Target {
public:
    explicit SyslogTarget(const TargetSpec& spec) : spec_(spec) {
        if (!connect_socket()) connect_errno_ = errno;
    }
    bool is_syslog() const override { return true; }
    int connect_errno() const { return connect_errno_; }

    void write(Priority priority, std::string_view line) override {
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        std::lock_guard lock(mutex_);
        std::string datagram;
        datagram.reserve(line.size() + 64);
        datagram += '<';
        datagram += std::to_string(spec_.facility | static_cast<int>(priority));
        datagram += '>';
        char stamp[32];
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        ::localtime_r(&now, &tm);
        static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        int len = std::snprintf(stamp, sizeof stamp, "%s %2d %02d:%02d:%02d ", kMonths[tm.tm_mon % 12],
                                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        datagram.append(stamp, static_cast<std::size_t>(len));
        datagram += spec_.ident;
        datagram += '[';
        datagram += std::to_string(::getpid());
        datagram += "]: ";
        std::size_t header = datagram.size();
        if (std::string note = losses_.note("send"); !note.empty()) {
            note.pop_back();
            std::string first = datagram + note;
            if (!send_one(first)) {
                losses_.lost(errno);
                return;
            }
            losses_.noted();
        }
        datagram.resize(header);
        datagram += line;
        if (!send_one(datagram)) losses_.lost(errno);
    }

private:
    bool send_one(const std::string& datagram) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!fd_ && !connect_socket()) return false;
            ssize_t n = ::send(fd_.get(), datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n >= 0) return true;
            if (errno != ECONNREFUSED && errno != ENOTCONN && errno != ENOENT) return false;
            fd_.reset();  // the daemon restarted: connect again once
        }
        return false;
    }

    bool connect_socket() {
        UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd) return false;
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (spec_.path.size() >= sizeof addr.sun_path) {
            errno = ENAMETOOLONG;
            return false;
        }
        std::memcpy(addr.sun_path, spec_.path.c_str(), spec_.path.size() + 1);
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            int err = errno;
            fd.reset();
            errno = err;
            return false;
        }
        fd_ = std::move(fd);
        return true;
    }

    TargetSpec spec_;
    UniqueFd fd_;
    std::mutex mutex_;
    LossCounter losses_;
    int connect_errno_ = 0;
};

}  // namespace

const std::string& Target::path() const { return kNoPath; }

bool parse_target(std::string_view text, TargetSpec& spec, std::string& error) {
    spec = TargetSpec{};
    if (std::size_t space = text.find(' '); space != std::string_view::npos && space > 0) {
        TargetSpec named;
        if (!parse_target(text.substr(text.find_first_not_of(' ', space)), named, error)) return false;
        spec.kind = TargetSpec::Kind::routed;
        spec.path = std::string(text);
        return true;
    }
    if (text == "stdio") return true;
    if (text.substr(0, 5) == "file:" && text.size() > 5) {
        spec.kind = TargetSpec::Kind::file;
        spec.path = std::string(text.substr(5));
        return true;
    }
    if (text == "syslog" || text.substr(0, 7) == "syslog:") {
        spec.kind = TargetSpec::Kind::syslog;
        const char* socket_path = std::getenv("APPSERVER_SYSLOG_SOCKET");
        spec.path = socket_path && *socket_path ? socket_path : "/dev/log";
        std::string_view args = text.size() > 7 ? text.substr(7) : std::string_view();
        std::string_view ident = args.substr(0, args.find(','));
        if (!ident.empty()) spec.ident = std::string(ident);
        if (std::size_t comma = args.find(','); comma != std::string_view::npos) {
            std::string_view name = args.substr(comma + 1);
            bool found = false;
            for (const auto& f : kFacilities)
                if (f.name == name) {
                    spec.facility = f.code;
                    found = true;
                }
            if (!found) {
                error =
                    "syslog facility '" + std::string(name) + "' unknown (user, daemon, local0..local7...)";
                return false;
            }
        }
        return true;
    }
    error = "logger '" + std::string(text) + "' not supported (stdio, file:PATH, syslog[:IDENT[,FACILITY]])";
    return false;
}

std::shared_ptr<Target> open_target(const TargetSpec& spec, std::string& error) {
    switch (spec.kind) {
        case TargetSpec::Kind::stdio:
            return std::make_shared<FdTarget>(STDERR_FILENO, std::string(), stderr_is_journal());
        case TargetSpec::Kind::syslog: {
            auto target = std::make_shared<SyslogTarget>(spec);
            // Not fatal (the daemon may start later; each line tries again), but said once.
            if (int err = target->connect_errno(); err != 0)
                spdlog::warn("logger syslog: {}: lines are lost until it accepts them",
                             syscall_error("connect", spec.path, err));
            return target;
        }
        case TargetSpec::Kind::file: break;
        case TargetSpec::Kind::routed:  // open_targets() skips them: nothing is ever written there
            error = "logger " + spec.path + ": a named logger has no output of its own";
            return nullptr;
    }
    int fd = ::open(spec.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "logger: " + syscall_error("open", spec.path, errno);
        return nullptr;
    }
    auto target = std::make_shared<FdTarget>(fd, spec.path, false);
    file_targets().push_back(target);
    return target;
}

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

void note_stderr_replaced() { g_stderr_generation.fetch_add(1, std::memory_order_relaxed); }

std::vector<std::shared_ptr<Target>>& file_targets() {
    static std::vector<std::shared_ptr<Target>> targets;
    return targets;
}

}  // namespace appserver::log
