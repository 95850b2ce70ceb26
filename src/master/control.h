#pragma once
// The control verbs: `appserver --stop PIDFILE`, `--reload PIDFILE`, `--reopen-logs PIDFILE`.
// Each prints what it did and returns the exit code (0 done, 1 with one line on stderr).

#include <string>

namespace appserver {

int stop_command(const std::string& pidfile);
int reload_command(const std::string& pidfile);
int reopen_logs_command(const std::string& pidfile);

}  // namespace appserver
