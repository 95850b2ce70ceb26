#pragma once
// attach-daemon and its variants (uWSGI's core/daemons.c keys), parsed into one shape the master's
// AttachedDaemons runs. Pure: no I/O.
//   attach-daemon = COMMAND                      a "dumb" daemon: must stay in the foreground
//   smart-attach-daemon = PIDFILE[,FREQ] COMMAND  the command daemonizes itself and writes PIDFILE
//   smart-attach-daemon2 = PIDFILE COMMAND        the command stays in the foreground; appserver
//                                                 daemonizes it and writes PIDFILE
//   attach-daemon2 = command=...,pidfile=...,daemonize=1,freq=...,stopsignal=...,reloadsignal=...,
//                    stdin=1,chdir=...,max_throttle=...,notifypid=1,touch=F1;F2,uid=...,gid=...

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace appserver {

struct DaemonSpec {
    std::string command;  // run by /bin/sh -c
    std::string pidfile;  // empty: a dumb daemon, watched through waitpid
    bool daemonize = false;  // appserver forks it into the background and writes `pidfile`
    int freq = 10;           // seconds a smart daemon has to write its pidfile before it is respawned
    int stop_signal = 15;    // SIGTERM
    int reload_signal = 0;   // 0: stop_signal on reload too
    bool honour_stdin = false;  // false: stdin is /dev/null
    std::string chdir;
    int max_throttle_s = 0;  // cap of the respawn back-off (0: the default cap)
    bool notify_pid = false;  // a smart daemon is sent stop/reload signals too
    std::vector<std::string> touch;  // restart it when one of these files changes
    int uid = 0, gid = 0;            // 0: the master's own
    bool smart() const { return !pidfile.empty(); }
};

// The key (attach-daemon, attach-daemon2, smart-attach-daemon, smart-attach-daemon2) and its value;
// nullopt with one line in `error` (naming the key) when the value is malformed.
std::optional<DaemonSpec> parse_daemon_spec(std::string_view key, std::string_view value, std::string& error);

}  // namespace appserver
