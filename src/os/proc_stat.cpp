#include "os/proc_stat.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace appserver {

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    ProcStat out;
    // The command name (field 2) may hold spaces and parentheses: the fields after it start after
    // the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return out;
    out.state = line[close + 2];
    char* end = nullptr;
    out.ppid = static_cast<pid_t>(std::strtol(line.c_str() + close + 3, &end, 10));
    std::strtol(end, &end, 10);  // the process group
    out.session = static_cast<pid_t>(std::strtol(end, nullptr, 10));
    return out;
}

std::optional<ProcMemory> read_proc_memory(pid_t pid) {
    std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
    std::uint64_t size_pages = 0, resident_pages = 0;
    if (!(statm >> size_pages >> resident_pages)) return std::nullopt;
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    return ProcMemory{.rss_bytes = resident_pages * page, .vsz_bytes = size_pages * page};
}

}  // namespace appserver
