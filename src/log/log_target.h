#pragma once
// Where log lines go: uWSGI's `logger` / `req-logger` targets. `stdio` (fd 2: stderr, or the logto /
// daemonize file dup'ed onto it), `file:PATH` (opened O_APPEND by every process, so lines from
// several workers never interleave) and `syslog[:IDENT[,FACILITY]]` (RFC 3164 datagrams on the
// local syslog socket, as syslog(3) sends them).
//
// A line is one write(2) (or one send(2)) and is never waited for long: a full disk, a syslog
// daemon that does not keep up, or a stderr pipe (or the journal's stream) nobody reads loses lines,
// counted and reported once the target takes lines again, and the request goes on. stderr when it
// is a pipe or a socket is written without blocking (pwritev2 RWF_NOWAIT); a full one is waited for
// 100 ms (a burst its reader is about to take), and after such a wait runs out, lines are dropped
// at once until it takes one again, so a stalled reader costs one wait, not one per line.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"

namespace appserver::log {

// syslog(3) priorities (<syslog.h>), without including it here.
enum class Priority : int { crit = 2, err = 3, warning = 4, info = 6, debug = 7 };

struct TargetSpec {
    // routed: uWSGI's named logger (`logger = NAME TARGET`), which only receives lines a log-route
    // sends it; appserver has no log-route, so nothing is written to it (said once at start).
    enum class Kind { stdio, file, syslog, routed } kind = Kind::stdio;
    std::string path;  // file: the path; syslog: the socket (default /dev/log)
    std::string ident = "appserver";
    int facility = 1 << 3;  // LOG_USER
};

// Parses `stdio`, `file:PATH`, `syslog`, `syslog:IDENT`, `syslog:IDENT,FACILITY` (user, daemon,
// local0..local7...), and uWSGI's named form `NAME TARGET` (Kind::routed, `path` = the whole text).
// False with `error` set for anything else.
bool parse_target(std::string_view text, TargetSpec& spec, std::string& error);

class Target {
public:
    virtual ~Target() = default;
    // `line` ends with '\n' (for files and stderr it may be several whole lines: the access
    // log's batch). Never blocks beyond one write(2)/send(2).
    virtual void write(Priority priority, std::string_view line) = 0;
    // Opens the file again (after logrotate or log-maxsize moved it); nothing for other kinds.
    virtual void reopen() {}
    // The file a file target writes (for log-maxsize); "" for others.
    virtual const std::string& path() const;
    virtual bool is_syslog() const { return false; }
    // stderr when it is the journal's stream: lines get `<N>` and no timestamp (journald adds one).
    virtual bool is_journal() const { return false; }
};

// Opens the target (the file is created 0644 if missing). Null with `error` when it cannot be opened.
std::shared_ptr<Target> open_target(const TargetSpec& spec, std::string& error);

// Whether fd 2 is the journal's stream (systemd sets JOURNAL_STREAM=DEV:INODE of it): then lines
// carry `<N>` priority prefixes and no timestamp of their own, which journald adds.
bool stderr_is_journal();

// Called when fd 2 was replaced (logto, daemonize, reopen): the stdio target looks again at what it
// is (a regular file is written as before; a pipe or a socket without blocking).
void note_stderr_replaced();

// Every file target opened in this process (for reopen and log-maxsize).
std::vector<std::shared_ptr<Target>>& file_targets();

}  // namespace appserver::log
