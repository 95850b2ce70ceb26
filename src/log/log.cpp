#include "log/log.h"

#include <spdlog/sinks/stdout_sinks.h>

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
