#pragma once
// A spooler directory on disk: writing a task atomically, listing the tasks due, and taking one task
// for a run under a lock, so two spooler processes (appserver's or uWSGI's) never run one task.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"
#include "spool/spool_format.h"

namespace appserver::spool {

// Writes a task into `dir` (under its `priority` subdirectory when the vars name one, created as
// uWSGI does) and returns the task file's path. The file is written under a hidden temporary name
// (".uwsgi_spoolfile_on_...", which no spooler picks up) in the same directory, its mtime set to
// `at`, then renamed into place: a spooler sees the whole task or nothing. `counter` makes names
// unique within this process. Nullopt: `error` names the call, the path and errno.
std::optional<std::string> write_task(const std::string& dir, const Vars& vars, std::string_view body,
                                      std::uint64_t counter, std::string& error);

// The task files of `dir` a scan looks at, in scan order: directory order (uWSGI's readdir), or with
// `ordered` version order, descending into numeric priority subdirectories (spooler-ordered; only
// then are priorities looked at, as uWSGI). Paths are absolute (dir + name). Not filtered by time.
std::vector<std::string> list_tasks(const std::string& dir, bool ordered);

// One task taken for a run: the file is open and holds an open-file-description write lock
// (F_OFD_SETLK), which conflicts with uWSGI's fcntl(F_SETLK) locks as with ours; released on close.
struct TakenTask {
    std::string path;
    UniqueFd fd;
    Vars vars;
    std::string body;
};

enum class TakeStatus { taken, skip, broken };

// Takes `path` when it is a regular task file, due (mtime <= now), not locked by another process
// and still linked (one that another spooler ran and deleted after we opened it is skipped).
// broken: the file cannot be decoded (uWSGI deletes those); `error` says why.
TakeStatus take_task(const std::string& path, std::int64_t now, TakenTask& task, std::string& error);

// Deletes a finished task (SPOOL_OK). False: `error` names the call and errno.
bool remove_task(const std::string& path, std::string& error);

}  // namespace appserver::spool
