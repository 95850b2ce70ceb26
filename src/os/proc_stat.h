#pragma once
// What /proc/PID/stat says of a process: its state letter and its parent.

#include <sys/types.h>

#include <optional>

namespace appserver {

struct ProcStat {
    char state = '\0';  // R, S, D, T, t, Z, X...; '\0' when the line could not be parsed
    pid_t ppid = -1;
};

// nullopt when the process is gone (or /proc cannot be read).
std::optional<ProcStat> read_proc_stat(pid_t pid);

}  // namespace appserver
