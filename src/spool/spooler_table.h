#pragma once
// The spooler processes of the instance, as every process sees them: their directories (fixed at
// start) and their pids, in a small shared anonymous mapping the master creates before it forks
// anything, so a worker's uwsgi.spool() can wake the spoolers of a directory (SIGUSR1, as uWSGI)
// and uwsgi.spooler_pids() sees respawns. One writer per slot: the master (fork, reap).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace appserver::spool {

// In the master after chdir and the privilege drop, before the app import and any fork: makes each
// `spooler` directory that is missing (as uWSGI: mode 0750), resolves its real path (what the
// `spooler` key of a task names), and maps one pid slot per spooler process (`processes` per
// directory). False: `error` names the directory and errno.
bool open_spooler_table(const std::vector<std::string>& configured, int processes, bool quiet, std::string& error);
// spooler-quiet: no log line per task.
bool spooler_quiet();
// Empty when no spooler is configured.
const std::vector<std::string>& spooler_table_dirs();
void set_spooler_pid(std::size_t index, pid_t pid);
pid_t spooler_pid(std::size_t index);
// In a spooler process: which slot it is (-1 elsewhere).
void set_current_spooler(int index);
int current_spooler();
// For the stats server (uWSGI's "spoolers" list): the master counts respawns; a spooler process
// (after set_current_spooler) resets its task count at start, counts tasks it ran (not those no
// function handled) and says when it runs one.
void note_spooler_respawn(std::size_t index);
void note_spooler_start();
void note_spooler_running(bool running);
void note_spooler_task();
struct SpoolerStatus {
    std::string dir;
    pid_t pid = 0;
    std::uint64_t tasks = 0;
    std::uint64_t respawns = 0;
    bool running = false;
};
std::vector<SpoolerStatus> spooler_statuses();

// SIGUSR1 to every running spooler of `dir` (it rescans at once instead of at its next period).
void wake_spoolers(const std::string& dir);

}  // namespace appserver::spool
