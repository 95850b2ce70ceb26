#pragma once
// What the `uwsgi` module's signal functions need from the core (uWSGI's signal framework): 256
// signal numbers, a table shared by every process of the instance that says where each number
// goes, and the master, which routes raised signals and fires timers, crons and file monitors.
// Callable from the master (at import) and from any child it forked. In a process that has no
// signal hub (--check-config, unit tests) every call succeeds and does nothing.

#include <string>
#include <string_view>

namespace appserver::api {

// Records `target` for `num` (0..255): "worker"/"worker0"/"" (the first worker free to read it),
// "workerN", "workers", "active-workers", "mule", "muleN", "mules", "spooler", "spoolers"; other
// names are kept and logged as unsupported when routed. False: `error` says why (bad number, a
// target longer than 63 bytes).
bool register_signal(int num, std::string_view target, std::string& error);

// Sends `num` to the master, which routes it. Never blocks: when the queue is full the signal is
// dropped and counted (a warning at most once a second). False: dropped (`error` says why).
bool raise_signal(int num, std::string& error);

// Timers run by the master: `num` raised every `interval_ms`, `iterations` times (0: for ever).
// At most 64 of each table, as uWSGI. False: `error` says why.
bool add_timer(int num, long interval_ms, int iterations, std::string& error);
// A cron entry (see src/signals/cron.h for the fields); the master raises `num` when it matches.
bool add_cron(int num, int minute, int hour, int day, int month, int week, std::string& error);
// `num` raised when `path` (a file or a directory) changes (inotify).
bool add_file_monitor(int num, std::string_view path, std::string& error);

// Signals routed / dropped since the instance started (uWSGI's routed_signals / unrouted_signals).
struct SignalCounters {
    unsigned long long routed = 0;
    unsigned long long dropped = 0;
};
SignalCounters signal_counters();

}  // namespace appserver::api
