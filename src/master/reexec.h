#pragma once
// Graceful reload by re-executing the master in place: same pid, same listening sockets (never
// closed, so no connection is refused), the live workers handed over by pid so the new image can
// retire them once its own workers serve.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "os/listen_socket.h"
#include "os/socket_activation.h"
#include "os/unique_fd.h"

namespace appserver {

// How the process was started, captured first thing in main() (before env/chdir change anything).
struct LaunchContext {
    std::string executable;  // resolved /proc/self/exe (an upgraded binary is picked up)
    std::vector<std::string> argv;
    std::vector<std::string> environ;
    std::string cwd;
};
void capture_launch(int argc, char** argv);
const LaunchContext& launch_context();
// Drops NAME=... from what a reload re-executes with (socket activation's variables, once taken).
void forget_launch_variable(std::string_view name);

// A listening socket this process did not bind: handed over by the previous image of a reload, or
// passed by the service manager (socket activation; also such a socket handed over by a reload).
struct InheritedSocket {
    int fd = -1;
    Protocol protocol = Protocol::http;  // activated: how to serve it when no configured address names it
    std::string spec;                    // reload: the configured address it was bound for
    bool activated = false;              // matched by its bound address, not by spec
    BoundAddress bound;                  // activated: getsockname
};

// What a re-executed master receives from the image before it.
struct Inheritance {
    std::vector<InheritedSocket> sockets;
    std::vector<pid_t> old_workers;
    std::vector<pid_t> accepting;  // those of old_workers that still took connections at the exec
    int generation = 0;  // reload count
    // The workers' ready pipe, kept across the exec: the old workers say on it when they stop
    // accepting, so the new image reports a reload done only once they no longer take connections.
    int ready_read = -1;
    int ready_write = -1;
    // Where the previous image's `--reload` reads the outcome: a new image that cannot read its own
    // configuration reports its failure there all the same.
    std::string reload_status_file;
};

// Reads (and removes from the environment) what the previous image handed over; nullopt on a
// fresh start.
std::optional<Inheritance> take_inheritance();

// Starts `appserver <same arguments> --check-config` in the launch directory and environment;
// returns its pid (the arbiter reaps it), or -1. The check also binds every socket of the new
// configuration that `held` (the running master's) does not already provide, so a reload that
// cannot bind is refused while the running master keeps its workers. `report` receives the read
// end of a pipe on which a failing check writes its one-line reason. On failure (-1) `error` names
// the call that failed (pipe2 or fork) and its errno.
pid_t start_reload_check(const std::vector<ListenSocket>& held, UniqueFd& report, std::string& error);

// In the --check-config of a reload: binds (then closes) each planned socket the running master does
// not hold. True outside a reload check.
bool check_new_sockets_bind(std::vector<ListenSocket>& planned, int backlog,
                            const UnixSocketAccess& unix_access, std::string& error);

// In the --check-config of a reload: hands the reason for refusing to the master.
void report_reload_check_failure(const std::string& line);

// Replaces this process image with a fresh one; returns only on failure (`error` says why).
// `workers`: every live worker; those already retiring (no longer accepting) as negative pids.
// `reload_status_file`: where `--reload` waits for the outcome (Inheritance::reload_status_file).
bool reexec(const std::vector<ListenSocket>& sockets, const std::vector<pid_t>& workers, int generation,
            int ready_read, int ready_write, const std::string& reload_status_file, std::string& error);

}  // namespace appserver
