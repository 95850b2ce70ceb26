#include "log/log.h"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace appserver::log {
namespace {

// Lines go to fd 2 with write(2) (under daemonize/logto, fd 2 is the log file). A line that cannot
// be written (a full disk, a quota) is lost, never waited for or retried: the process goes on
// serving. Losses are counted, and the first line written after them says how many were lost and
// why, once per process.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        // A forked child inherits the count of its parent's losses; they are not its own.
        if (pid_ != ::getpid()) {
            pid_ = ::getpid();
            lost_ = 0;
        }
        if (lost_ > 0) {
            std::string text =
                std::to_string(lost_) + " log line(s) lost: " + syscall_error("write", "", lost_errno_);
            spdlog::details::log_msg note(msg.logger_name, spdlog::level::warn, text);
            spdlog::memory_buf_t line;
            formatter_->format(note, line);
            if (!write_all(line.data(), line.size())) {
                count_loss();
                return;
            }
            lost_ = 0;
        }
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        if (!write_all(line.data(), line.size())) count_loss();
    }
    void flush_() override {}

private:
    static bool write_all(const char* data, std::size_t size) {
        while (size > 0) {
            ssize_t n = ::write(STDERR_FILENO, data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            data += n;
            size -= static_cast<std::size_t>(n);
        }
        return true;
    }
    void count_loss() {
        if (lost_++ == 0) lost_errno_ = errno;
    }

    pid_t pid_ = ::getpid();
    std::uint64_t lost_ = 0;
    int lost_errno_ = 0;
};

}  // namespace

void init() {
    // Plain text (no colours): logs end up in files under daemonize/logto.
    auto logger = std::make_shared<spdlog::logger>("appserver", std::make_shared<StderrSink>());
    spdlog::register_logger(logger);
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%P] [%l] %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::info);
}

namespace {
std::string g_output_path;
}

bool redirect_output(const std::string& path, std::string& error) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "log file: " + syscall_error("open", path, errno);
        return false;
    }
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    g_output_path = path;
    return true;
}

void reopen_output() {
    if (g_output_path.empty()) return;
    std::string error;
    if (!redirect_output(g_output_path, error)) spdlog::error("{}", error);
}

std::string syscall_error(std::string_view call, std::string_view subject, int err) {
    std::string line(call);
    line += "(";
    if (!subject.empty()) {
        line += "\"";
        line += subject;
        line += "\"";
    }
    line += ") failed (";
    line += std::to_string(err);
    line += ": ";
    line += std::strerror(err);
    line += ")";
    return line;
}

}  // namespace appserver::log
