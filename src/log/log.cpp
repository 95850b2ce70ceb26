#include "log/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace appserver::log {

void init() {
    // stderr_sink (not the colour one): logs end up in files under daemonize/logto.
    auto logger = spdlog::stderr_logger_mt("appserver");
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
