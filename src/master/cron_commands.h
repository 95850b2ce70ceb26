#pragma once
// The `cron`, `unique-cron` and `cron2` ini keys: commands the master runs through /bin/sh on a
// schedule (uWSGI's uwsgi_manage_command_cron). Each run is its own process group, its output goes
// where the master's goes (the server's log), the arbiter hands its exit to on_child_exit, and
// stop() ends the runs still going when the server stops. A unique entry is not started again
// while its previous run lives; cron2's harakiri=N kills a run after N seconds.

#include <sys/types.h>

#include <ctime>
#include <vector>

#include "signals/cron.h"

namespace appserver {

class CronCommands {
public:
    explicit CronCommands(std::vector<cron::Command> commands = {});
    // Starts what is due at `wall` (once per minute per entry at most) and kills overdue runs.
    void tick(std::time_t wall);
    // True when `pid` was one of our runs (then it is forgotten).
    bool on_child_exit(pid_t pid, int status);
    // SIGTERM to every run still going (its whole process group); `kill`: SIGKILL.
    void stop(bool kill);
    int running() const;

private:
    struct Entry {
        cron::Command command;
        std::time_t last_start = 0;
        pid_t pid = -1;
        std::time_t started = 0;
    };
    void start(Entry& entry, std::time_t wall);

    std::vector<Entry> entries_;
    // Runs of non-unique entries that a later run replaced in `pid` but that still live.
    std::vector<pid_t> others_;
};

}  // namespace appserver
