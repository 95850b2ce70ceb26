#pragma once
// The master's side of uWSGI's signal framework (src/signals/signal_hub.h has the shared parts):
// reads every signal raised by a process of the instance, routes it to its target's channel(s),
// and raises the signals of the timers, crons and file monitors that any process added. The arbiter
// calls: start (once, before forking), poll_set / on_poll around its wait, tick (every wake-up),
// wait_ms (the longest it may sleep). Nothing here blocks.
//
// Targets: "" / "worker" / "worker0" -> the pool (the first worker free to read it); "workerN";
// "workers" (every worker id); "active-workers" (those running now). Every other target name is
// looked up in the receivers registered with add_receiver: that is how mules and the spooler, which
// other units own, get their signals (the arbiter registers them: Arbiter::register_signal_receivers).
// A signal for a target nobody registered (no spooler, an unknown name) goes nowhere: logged once
// per target.

#include <sys/types.h>
#include <poll.h>

#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "os/unique_fd.h"
#include "signals/signal_hub.h"
#include "worker/connection.h"  // Clock

namespace appserver {

class SignalDispatcher {
public:
    // A process that is not a worker and takes signals: `name` reaches it alone ("mule2",
    // "spooler"), `group` reaches it with its peers ("mules"; empty: none), `fd` is the master's
    // end of its channel (owned by the registering unit; remove it before closing the fd). A channel
    // that any one of a group may read ("mule": uWSGI's shared mule pipe) is one receiver named so.
    struct Receiver {
        std::string name;
        std::string group;
        int fd = -1;
    };
    void add_receiver(Receiver receiver);
    void remove_receiver(const std::string& name);

    // `hub` may be null (nothing to dispatch). `worker_running(id)`: for "active-workers".
    void start(SignalHub* hub, std::function<bool(int)> worker_running);
    bool active() const { return hub_ != nullptr; }

    // The descriptors to wait on (appended to `fds`), then what they said after the wait.
    void poll_set(std::vector<pollfd>& fds) const;
    void on_poll(const std::vector<pollfd>& fds);
    // Picks up new timers/crons/monitors, fires what is due. `wall` is the time of day (crons).
    void tick(Clock::time_point now, std::time_t wall);
    // How long the master may wait before the next timer is due (at most `cap_ms`).
    int wait_ms(Clock::time_point now, int cap_ms) const;

    // Routes `num` as its registration says (also used for signals the master raises itself).
    void route(int num);

private:
    struct Timer {
        int signal = 0;
        Clock::duration interval{};
        int iterations = 0;
        int done = 0;
        Clock::time_point next{};
    };
    void drain(int fd);
    void sync_sources(Clock::time_point now);
    void send_to_worker(int id, int num);
    void nowhere(int num, const std::string& target);
    void read_file_events();

    SignalHub* hub_ = nullptr;
    std::function<bool(int)> worker_running_;
    std::vector<Receiver> receivers_;
    std::vector<Timer> timers_;
    int timers_seen_ = 0;
    std::vector<std::time_t> cron_last_;  // per cron entry: when it last fired (uWSGI's last_job)
    UniqueFd inotify_;
    int monitors_seen_ = 0;
    std::multimap<int, int> watch_signals_;  // inotify watch descriptor -> signal
    std::set<std::string> reported_nowhere_;
};

}  // namespace appserver
