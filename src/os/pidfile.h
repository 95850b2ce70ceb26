#pragma once
// The master's pidfile: written atomically once the sockets are bound, read by --stop/--reload.

#include <sys/types.h>

#include <optional>
#include <string>

namespace appserver {

// Reads a pid; nullopt with `error` ("cannot read pidfile X: ...", "pidfile X holds no pid").
std::optional<pid_t> read_pidfile(const std::string& path, std::string& error);

// Writes `text` through a temporary file and rename(2), so a reader never sees half of it. When
// the directory refuses that (EACCES/EPERM: a master that dropped root), an existing file it owns
// is rewritten in place: readers must then accept only a complete line.
bool write_file_atomic(const std::string& path, const std::string& text, std::string& error);
// Writes "pid\n", unless the file already says so (a master re-executed in place by a reload).
bool write_pidfile(const std::string& path, pid_t pid, std::string& error);

// True when `pid` is a live process (not a zombie) running this program (the executable's name;
// argv[0] when that cannot be read) that is a master: not a child of such a process in its
// session (a worker, mule or spooler).
bool is_live_appserver(pid_t pid);
bool is_live_process(pid_t pid);

// Refuses a start over the pidfile of a live appserver; a stale one (dead pid) is fine.
bool check_pidfile_free(const std::string& path, std::string& error);

}  // namespace appserver
