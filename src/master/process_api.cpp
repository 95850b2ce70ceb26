#include "master/process_api.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "appserver/api_process.h"
#include "log/log.h"

namespace appserver {
namespace {

pid_t g_master = 0;

bool signal_master(int signo, const char* what) {
    if (g_master <= 0) {
        spdlog::error("uwsgi.{}(): no master to signal", what);
        return false;
    }
    if (::kill(g_master, signo) != 0) {
        spdlog::error("uwsgi.{}(): {}", what, log::syscall_error("kill", "master pid " + std::to_string(g_master), errno));
        return false;
    }
    return true;
}

}  // namespace

void note_master_pid(pid_t pid) { g_master = pid; }

namespace api {

// The master's SIGHUP is `--reload`, its SIGTERM `--stop` (docs/signals.md).
bool reload() { return signal_master(SIGHUP, "reload"); }

bool stop() { return signal_master(SIGTERM, "stop"); }

// fd 2 is where the server's lines go (logto, daemonize and log-maxsize redirect it).
std::uint64_t logsize() {
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace api
}  // namespace appserver
