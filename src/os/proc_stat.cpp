#include "os/proc_stat.h"

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
    out.ppid = static_cast<pid_t>(std::strtol(line.c_str() + close + 3, nullptr, 10));
    return out;
}

}  // namespace appserver
