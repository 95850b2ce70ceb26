#pragma once
// Logging setup (spdlog) and the helpers every part of the core logs through.

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace appserver::log {

// Logs to stderr with a pid-tagged pattern; call once at start.
void init();

// Points stdout and stderr at `path` (appended, created 0644): logto / daemonize. Later
// reopen_output() opens the same path again (logrotate moved it: SIGUSR1, --reopen-logs).
bool redirect_output(const std::string& path, std::string& error);
void reopen_output();

// "open(\"/x\") failed (2: No such file or directory)" — the shape of every syscall error line.
std::string syscall_error(std::string_view call, std::string_view subject, int err);

}  // namespace appserver::log
