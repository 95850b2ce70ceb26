#include "master/control.h"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "os/pidfile.h"

namespace appserver {
namespace {

// Long enough for the default worker-reload-mercy (60 s) plus a slow application import.
constexpr auto kWaitLimit = std::chrono::seconds(120);

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
        refuse("pid " + std::to_string(*pid) + " from " + pidfile + " is not an appserver");
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
    const std::string before = read_all(status_file);
    if (!send(pid, SIGHUP)) return 1;
    std::printf("reloading appserver (pid %d)\n", pid);
    std::fflush(stdout);
    auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    for (;;) {
        std::string now = read_all(status_file);
        if (!now.empty() && now != before) {
            auto space = now.find(' ');
            std::string outcome = space == std::string::npos ? now : now.substr(space + 1);
            while (!outcome.empty() && outcome.back() == '\n') outcome.pop_back();
            if (outcome.starts_with("ok")) {
                std::printf("appserver (pid %d) reloaded: %s\n", pid, outcome.substr(3).c_str());
                return 0;
            }
            return refuse("reload failed, the previous code keeps serving: " + outcome.substr(outcome.find(' ') + 1));
        }
        if (!is_live_process(pid)) return refuse("appserver (pid " + std::to_string(pid) + ") exited during reload");
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
