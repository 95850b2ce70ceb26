#pragma once
// What the uwsgi module's spooler names need from the core (uWSGI's uwsgi.spool, spooler_pid...).
// Implemented in src/spool/api_spooler.cpp over the spooler table the master set up before fork.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace appserver::api {

using SpoolVars = std::vector<std::pair<std::string, std::string>>;

// Writes a task (uWSGI's spool file) into the spooler directory named by the `spooler` var (its
// real path), else the first one, and wakes that directory's spooler processes. Returns the task
// file's path. Nullopt: `error` is one line (no spooler configured, unknown spooler, args over
// 64 KiB, a write error).
std::optional<std::string> spool(const SpoolVars& vars, std::string_view body, std::string& error);

// The configured spooler directories, one per spooler process (a directory served by
// spooler-processes = N appears N times), in configuration order.
std::vector<std::string> spooler_dirs();
// The pid of each spooler process, same order (0: not running now).
std::vector<long> spooler_pids();
// The task files waiting in the first spooler directory (absolute paths), as uWSGI's spooler_jobs.
std::vector<std::string> spooler_jobs();
// The directory of the spooler this process is; empty in any other process.
std::string current_spooler_dir();

}  // namespace appserver::api
