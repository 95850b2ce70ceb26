#pragma once
// The access log: which requests get a line (disable-logging and uWSGI's log-4xx/5xx/slow/big/zero/
// sendfile, which log a request even under disable-logging), what the line says (access_format.h)
// and where it goes (req-logger targets, else the server's own log). Configured once in the master
// before fork; each worker renders into a thread-local buffer and writes one line with one write(2),
// except on its event loop's thread, whose log-format lines wait for the end of the loop's pass and
// go out together, one write(2) per target (docs/logging.md, "Cost").

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log/access_format.h"
#include "log/log_target.h"

namespace spdlog {
class logger;
}

namespace appserver::log {

struct AccessLogSettings {
    bool enabled = true;  // !disable-logging
    std::string format;   // log-format: "", combined, json, or a format string
    bool log_4xx = false;
    bool log_5xx = false;
    bool log_zero = false;                 // responses with an empty body
    bool log_sendfile = false;             // bodies sent from a file (wsgi.file_wrapper, static files)
    int slow_ms = 0;                       // log-slow: requests that took at least this long (0: off)
    std::uint64_t big_bytes = 0;           // log-big: bodies of at least this size (0: off)
    bool x_forwarded_for = false;          // the address shown is the X-Forwarded-For header's, as received
    bool memory_report = false;            // RSS and VSZ on each line
    std::vector<std::string> req_loggers;  // targets; none: the server's own log
};

class AccessLog {
public:
    // False with `error` when a req-logger target cannot be opened. Warnings (unknown variables)
    // are logged.
    bool configure(const AccessLogSettings& settings, std::string& error);
    // After fork: the worker id (%(wid)) and pid (%(pid)).
    void set_worker(int wid);

    // Whether any request can be logged at all (the sessions skip building a record otherwise).
    bool active() const { return settings_.enabled || filtered_; }
    // uWSGI's log_request(): every request unless disable-logging, and under it the ones a filter
    // names.
    bool wanted(const AccessRecord& record) const;
    // Where the address comes from: REMOTE_ADDR, or X-Forwarded-For under log-x-forwarded-for.
    bool uses_x_forwarded_for() const { return settings_.x_forwarded_for; }
    // Fills pid/wid/memory and writes the line if wanted().
    void write(AccessRecord& record);

    const AccessFormat& format() const { return format_; }

    // The calling thread (a worker's event loop) batches from now on: its lines wait in memory
    // (16 KiB at most) until flush(), which the loop calls once per pass before it waits again.
    // Only log-format lines to files or stderr are batched (a syslog datagram is one line, the
    // journal wants its priority prefix on each; the default line goes through the server's log,
    // in order with its other lines).
    void batch_on_this_thread();
    // Writes the waiting lines, one write(2) per target. Any thread (harakiri's, before _exit).
    void flush();

private:
    void flush_locked();

    AccessLogSettings settings_;
    AccessFormat format_ = AccessFormat::compile("");
    bool filtered_ = false;
    bool default_line_ = true;  // no log-format: the line goes through the server's log, prefixed
    std::vector<std::shared_ptr<Target>> targets_;  // where a log-format line goes
    std::shared_ptr<spdlog::logger> logger_;        // the default line's req-logger (null: the server's log)
    int wid_ = 0;
    int pid_ = 0;
    bool batchable_ = false;  // log-format lines, no syslog target
    std::mutex batch_mutex_;
    std::string batch_;  // whole lines, each ending in '\n'
};

// The process's access log.
AccessLog& access_log();

// Fills the request side of a record from CGI variables (REMOTE_ADDR or X-Forwarded-For, REMOTE_USER,
// SERVER_PROTOCOL, HTTP_HOST, HTTP_REFERER, HTTP_USER_AGENT); method and uri are the caller's.
void fill_from_vars(AccessRecord& record, const CgiVarList& vars);

// Wall clock in µs since the epoch.
std::int64_t wall_clock_us();

}  // namespace appserver::log
