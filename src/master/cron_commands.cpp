#include "master/cron_commands.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"
#include "os/signals.h"

namespace appserver {

CronCommands::CronCommands(std::vector<cron::Command> commands) {
    for (auto& c : commands) entries_.push_back(Entry{.command = std::move(c)});
}

void CronCommands::start(Entry& entry, std::time_t wall) {
    pid_t pid = fork_child(ChildRole::plain);
    if (pid < 0) {
        spdlog::error("[uwsgi-cron] {}", log::syscall_error("fork", entry.command.command, errno));
        return;
    }
    if (pid == 0) {
        // Its own group, so that stop() and harakiri reach what the shell starts too.
        ::setpgid(0, 0);
        ::execl("/bin/sh", "sh", "-c", entry.command.command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from here: no race with a stop() that comes first
    if (entry.pid > 0) others_.push_back(entry.pid);
    entry.pid = pid;
    entry.started = wall;
    spdlog::info("[uwsgi-cron] running \"{}\" (pid {})", entry.command.command, pid);
}

void CronCommands::tick(std::time_t wall) {
    if (entries_.empty()) return;
    std::tm local{};
    if (::localtime_r(&wall, &local) == nullptr) return;
    for (Entry& e : entries_) {
        if (e.pid > 0 && e.command.harakiri_s > 0 && wall - e.started >= e.command.harakiri_s) {
            spdlog::warn("[uwsgi-cron] \"{}\" (pid {}) still running after harakiri {} s: killing it",
                         e.command.command, e.pid, e.command.harakiri_s);
            ::kill(-e.pid, SIGKILL);
            e.started = wall;  // once; it is reaped as usual
        }
        if (e.command.unique && e.pid > 0) continue;  // the previous run lives
        if (!cron::matches(local, e.command.when) || wall - e.last_start < 60) continue;
        e.last_start = wall;
        start(e, wall);
    }
}

bool CronCommands::on_child_exit(pid_t pid, int status) {
    std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exited with code " + std::to_string(WEXITSTATUS(status));
    if (auto it = std::find(others_.begin(), others_.end(), pid); it != others_.end()) {
        others_.erase(it);
        spdlog::info("[uwsgi-cron] pid {} {}", pid, how);
        return true;
    }
    for (Entry& e : entries_) {
        if (e.pid != pid) continue;
        e.pid = -1;
        spdlog::info("[uwsgi-cron] \"{}\" (pid {}) {}", e.command.command, pid, how);
        return true;
    }
    return false;
}

void CronCommands::stop(bool kill) {
    int sig = kill ? SIGKILL : SIGTERM;
    for (const Entry& e : entries_)
        if (e.pid > 0) ::kill(-e.pid, sig);
    for (pid_t pid : others_) ::kill(-pid, sig);
}

int CronCommands::running() const {
    auto n = std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.pid > 0; });
    return static_cast<int>(n) + static_cast<int>(others_.size());
}

}  // namespace appserver
