#pragma once
// What /proc/PID/stat and /proc/PID/statm say of a process: its state letter, its parent, its
// memory. The one place that reads /proc for a process.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace appserver {

struct ProcStat {
    char state = '\0';  // R, S, D, T, t, Z, X...; '\0' when the line could not be parsed
    pid_t ppid = -1;
    pid_t session = -1;
};

// nullopt when the process is gone (or /proc cannot be read).
std::optional<ProcStat> read_proc_stat(pid_t pid);

struct ProcMemory {
    std::uint64_t rss_bytes = 0;  // resident set size
    std::uint64_t vsz_bytes = 0;  // virtual size
};

// From /proc/PID/statm (pages times the page size); nullopt when the process is gone.
std::optional<ProcMemory> read_proc_memory(pid_t pid);

}  // namespace appserver
