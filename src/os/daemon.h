#pragma once
// daemonize: detach from the terminal, and tell the shell how the start went. The shell's process
// returns only once the master reports that it serves (exit 0) or that it failed (exit 1, the
// error line printed in the shell as well as in the log).

#include <string>

namespace appserver::daemon {

// Forks. The parent never returns: it waits for the child's report and exits with it. The child
// returns true after setsid(), stdin from /dev/null, stdout/stderr appended to `logfile`.
bool detach(const std::string& logfile, std::string& error);

// True while the shell that started a daemonized appserver still waits for its report.
bool awaiting_report();

// In the detached master: the start succeeded / failed. No-ops when not detached.
void report_ready();
void report_failure(const std::string& line);

}  // namespace appserver::daemon
