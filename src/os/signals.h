#pragma once
// The master's signals: handlers only record the signal in a self-pipe; the arbiter drains it in
// its loop and dispatches in one place. One table links each signal to its action and CLI verb.

#include <string>
#include <string_view>
#include <vector>

#include "os/unique_fd.h"

namespace appserver {

enum class MasterAction { reap, graceful_stop, immediate_stop, reload, reopen_logs, add_worker, remove_worker };

struct SignalEntry {
    int signal;
    std::string_view name;
    MasterAction action;
    std::string_view cli_verb;  // "--stop", "--reload", or empty
    std::string_view meaning;
    std::string_view uwsgi_meaning;     // what the same signal does to a uWSGI master
    std::string_view gunicorn_meaning;  // ... and to a Gunicorn arbiter
};

const std::vector<SignalEntry>& master_signal_table();
const SignalEntry* find_signal(int signal);

// docs/signals.md, generated from the table (a unit test keeps the file in step).
std::string render_signals_markdown();

class SignalQueue {
public:
    // Installs handlers for every signal of the table (and ignores SIGPIPE).
    SignalQueue();
    ~SignalQueue();
    SignalQueue(const SignalQueue&) = delete;
    SignalQueue& operator=(const SignalQueue&) = delete;

    // Waits up to timeout_ms for a signal; returns those received, oldest first.
    std::vector<int> wait(int timeout_ms);
    int read_fd() const { return read_end_.get(); }

    // For a forked child: restore default handlers and close the pipe.
    static void reset_in_child();

private:
    UniqueFd read_end_;
    UniqueFd write_end_;
};

}  // namespace appserver
