#include "master/retiring_workers.h"

#include <algorithm>

namespace appserver {

void RetiringWorkers::add(pid_t pid, TimePoint kill_at) {
    auto it =
        std::find_if(workers_.begin(), workers_.end(), [pid](const Retiree& r) { return r.pid == pid; });
    if (it == workers_.end())
        workers_.push_back({pid, kill_at});
    else
        it->kill_at = std::min(it->kill_at, kill_at);
}

bool RetiringWorkers::remove(pid_t pid) {
    return std::erase_if(workers_, [pid](const Retiree& r) { return r.pid == pid; }) > 0;
}

std::vector<pid_t> RetiringWorkers::overdue(TimePoint now) {
    std::vector<pid_t> out;
    for (Retiree& r : workers_) {
        if (r.killed || now < r.kill_at) continue;
        r.killed = true;
        out.push_back(r.pid);
    }
    return out;
}

std::vector<pid_t> RetiringWorkers::pids() const {
    std::vector<pid_t> out;
    for (const Retiree& r : workers_) out.push_back(r.pid);
    return out;
}

}  // namespace appserver
