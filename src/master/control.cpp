#include "master/control.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "os/pidfile.h"
#include "os/proc_stat.h"

namespace appserver {
namespace {

// Long enough for the default worker-reload-mercy (60 s) plus a slow application import.
constexpr auto kWaitLimit = std::chrono::seconds(120);

// State T (stopped) or t (traced, stopped) in /proc/PID/stat.
bool is_stopped(pid_t pid) {
    std::optional<ProcStat> stat = read_proc_stat(pid);
    return stat && (stat->state == 'T' || stat->state == 't');
}

int refuse(const std::string& line) {
    std::fprintf(stderr, "appserver: %s\n", line.c_str());
    return 1;
}

// The pid in `pidfile`, checked to be a live appserver; 0 after printing why not.
pid_t target(const std::string& pidfile) {
    std::string error;
    auto pid = read_pidfile(pidfile, error);
    if (!pid) {
        refuse(error);
        return 0;
    }
    if (!is_live_process(*pid)) {
        refuse("no process with pid " + std::to_string(*pid) + " (stale pidfile " + pidfile + ")");
        return 0;
    }
    if (!is_live_appserver(*pid)) {
        refuse("pid " + std::to_string(*pid) + " from " + pidfile +
               " is not an appserver master (another program, or a worker of another appserver: a stale pidfile?)");
        return 0;
    }
    if (is_stopped(*pid)) {
        // Its signals would wait until it is resumed: say so now rather than wait 120 s for nothing.
        refuse("appserver (pid " + std::to_string(*pid) + ") is stopped (SIGSTOP or a debugger) and cannot act on "
               "signals; resume it with: kill -CONT " + std::to_string(*pid));
        return 0;
    }
    return *pid;
}

bool send(pid_t pid, int sig) {
    if (::kill(pid, sig) == 0) return true;
    refuse("cannot signal pid " + std::to_string(pid) + ": " + std::strerror(errno));
    return false;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The ids a process runs as, from /proc/PID/status: effective uid, effective gid, groups.
struct ProcessIds {
    uid_t uid = 0;
    std::vector<gid_t> gids;
};

std::optional<ProcessIds> ids_of(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    ProcessIds ids;
    bool seen_uid = false;
    std::string line;
    while (std::getline(status, line)) {
        std::istringstream fields(line);
        std::string key;
        unsigned real = 0, effective = 0;
        fields >> key;
        if (key == "Uid:" && fields >> real >> effective) {
            ids.uid = effective;
            seen_uid = true;
        } else if (key == "Gid:" && fields >> real >> effective) {
            ids.gids.push_back(effective);
        } else if (key == "Groups:") {
            for (unsigned g = 0; fields >> g;) ids.gids.push_back(g);
        }
    }
    if (!seen_uid) return std::nullopt;
    return ids;
}

bool may_write(const struct stat& st, const ProcessIds& ids) {
    if (st.st_uid == ids.uid) return st.st_mode & S_IWUSR;
    for (gid_t g : ids.gids)
        if (st.st_gid == g) return st.st_mode & S_IWGRP;
    return st.st_mode & S_IWOTH;
}

// Whether the master can write the reload status file: a master that dropped root can rewrite a
// file it owns, or create one in a directory it may write to (ACLs are not considered).
bool master_can_report(pid_t pid, const std::string& status_file) {
    auto ids = ids_of(pid);
    if (!ids || ids->uid == 0) return true;
    struct stat st {};
    if (::stat(status_file.c_str(), &st) == 0) return may_write(st, *ids);
    auto slash = status_file.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : status_file.substr(0, slash);
    return ::stat(dir.c_str(), &st) == 0 && may_write(st, *ids);
}

// Why the master could not write the reload status file, or "" when it can. A file with a line in
// it can be rewritten on a full disk (write_file_atomic then writes over its own block); a new one
// needs a free block, and root may use the blocks reserved for it. Nothing can be written on a
// file system mounted read-only (ext4 remounts itself so after disk errors).
std::string why_no_room_to_report(pid_t pid, const std::string& status_file) {
    auto slash = status_file.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : status_file.substr(0, slash);
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) return "";  // let the attempt say what is wrong
    if (fs.f_flag & ST_RDONLY) return "the file system of " + status_file + " is read-only";
    struct stat st {};
    if (::stat(status_file.c_str(), &st) == 0 && st.st_size > 0) return "";
    auto ids = ids_of(pid);
    bool root = ids && ids->uid == 0;
    if ((root ? fs.f_bfree : fs.f_bavail) > 0) return "";
    return "no space left on the device of " + status_file;
}

// A reload needs descriptors in the master: two for the check's pipe, one to write the status
// file. A master at its limit (RLIMIT_NOFILE, counted from /proc/PID/fd and /proc/PID/limits) could
// not even write that it refused. Nullopt when /proc does not tell (another user's process).
struct FdHeadroom {
    long open = 0;
    long limit = 0;
};
std::optional<FdHeadroom> fd_headroom(pid_t pid) {
    std::string proc = "/proc/" + std::to_string(pid);
    std::ifstream limits(proc + "/limits");
    FdHeadroom room;
    for (std::string line; std::getline(limits, line);) {
        if (!line.starts_with("Max open files")) continue;
        std::istringstream fields(line.substr(std::string_view("Max open files").size()));
        if (!(fields >> room.limit)) return std::nullopt;  // "unlimited" is not a limit to check
    }
    if (room.limit <= 0) return std::nullopt;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(proc + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++room.open;
    if (ec) return std::nullopt;
    return room;
}

// The first line: a status rewritten in place on a full disk may keep the tail of the previous one
// until the master cuts the file to its length.
std::string first_line(const std::string& text) {
    auto newline = text.find('\n');
    return newline == std::string::npos ? std::string() : text.substr(0, newline + 1);
}

}  // namespace

int stop_command(const std::string& pidfile) {
    pid_t pid = target(pidfile);
    if (pid == 0 || !send(pid, SIGTERM)) return 1;
    std::printf("stopping appserver (pid %d): waiting for in-flight requests\n", pid);
    std::fflush(stdout);
    auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (is_live_process(pid)) {
        if (std::chrono::steady_clock::now() > deadline)
            return refuse("appserver (pid " + std::to_string(pid) + ") still running after 120 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::printf("appserver (pid %d) stopped\n", pid);
    return 0;
}

int reload_command(const std::string& pidfile) {
    pid_t pid = target(pidfile);
    if (pid == 0) return 1;
    // The master writes the outcome of each reload attempt here (a new line each time).
    const std::string status_file = pidfile + ".reload";
    const std::string before = first_line(read_all(status_file));
    // Fail now rather than wait for an answer that cannot come.
    if (!master_can_report(pid, status_file))
        return refuse("cannot follow a reload: the master (pid " + std::to_string(pid) + ") cannot write " +
                      status_file + "; not signalled (give the file to its uid, or send SIGHUP yourself)");
    constexpr long kReloadFds = 2;
    if (auto room = fd_headroom(pid); room && room->limit - room->open < kReloadFds)
        return refuse("cannot reload: the master (pid " + std::to_string(pid) + ") has " +
                      std::to_string(room->open) + " of its " + std::to_string(room->limit) +
                      " file descriptors open and needs " + std::to_string(kReloadFds) +
                      " free; not signalled (raise max-fd or LimitNOFILE and restart)");
    if (std::string why = why_no_room_to_report(pid, status_file); !why.empty())
        return refuse("cannot follow a reload: " + why +
                      " (the master's answer goes there); not signalled (free "
                      "some space, or send SIGHUP yourself)");
    if (!send(pid, SIGHUP)) return 1;
    std::printf("reloading appserver (pid %d)\n", pid);
    std::fflush(stdout);
    auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    for (;;) {
        // Only a complete line: a master that dropped root, or on a full disk, rewrites the file in place.
        std::string now = first_line(read_all(status_file));
        if (!now.empty() && now != before) {
            auto space = now.find(' ');
            std::string outcome = space == std::string::npos ? now : now.substr(space + 1);
            while (!outcome.empty() && outcome.back() == '\n') outcome.pop_back();
            if (outcome.starts_with("ok")) {
                std::printf("appserver (pid %d) reloaded: %s\n", pid, outcome.substr(3).c_str());
                return 0;
            }
            return refuse("reload failed, the previous code keeps serving: " +
                          outcome.substr(outcome.find(' ') + 1));
        }
        if (!is_live_process(pid))
            return refuse("appserver (pid " + std::to_string(pid) + ") exited during reload");
        if (std::chrono::steady_clock::now() > deadline) return refuse("no answer to the reload after 120 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

int reopen_logs_command(const std::string& pidfile) {
    pid_t pid = target(pidfile);
    if (pid == 0 || !send(pid, SIGUSR1)) return 1;
    std::printf("appserver (pid %d): log files reopened\n", pid);
    return 0;
}

}  // namespace appserver
