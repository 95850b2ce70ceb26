#pragma once
// Logging setup (spdlog) and the helpers every part of the core logs through.

#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_target.h"

namespace appserver::log {

// Logs to stderr with a pid-tagged pattern; call once at start.
void init();

// What the configuration says about log lines (the access log has its own, access_log.h).
struct LogSettings {
    std::vector<std::string> loggers;  // `logger` targets; none: stdio
    std::string date;                  // log-date: "" (appserver's stamp), a strftime format, or
                                       // true/1/on/yes (ctime's shape, as uWSGI)
};

// Points the server's own lines at the configured targets, with the configured prefix. Called once
// the log file (logto) is in place. False with `error` when a target cannot be opened.
bool configure(const LogSettings& settings, std::string& error);

// The targets configure() opened (stdio before it runs).
const std::vector<std::shared_ptr<Target>>& log_targets();

// Opens targets (`logger` / `req-logger` values). False with `error` on the first bad one.
bool open_targets(const std::vector<std::string>& specs, std::vector<std::shared_ptr<Target>>& targets,
                  std::string& error);

// A logger writing to `targets`, with the same line prefix as the server's own lines (or none
// with `bare`: the access line is the whole line).
std::shared_ptr<spdlog::logger> make_logger(const std::string& name,
                                            const std::vector<std::shared_ptr<Target>>& targets, bool bare);

// Points stdout and stderr at `path` (appended, created 0644): logto / daemonize. Later
// reopen_output() opens the same path again (logrotate moved it: SIGUSR1, --reopen-logs), and the
// file targets (`logger` / `req-logger` file:PATH) too.
bool redirect_output(const std::string& path, std::string& error);
void reopen_output();

// log-maxsize, in the master: every log file (logto, file: targets) past `max_bytes` is renamed to
// PATH.UNIXTIME and opened anew. True when one was: the workers must reopen theirs (SIGUSR1).
bool rotate_over(std::uint64_t max_bytes);

// "open(\"/x\") failed (2: No such file or directory)" — the shape of every syscall error line.
std::string syscall_error(std::string_view call, std::string_view subject, int err);

}  // namespace appserver::log
