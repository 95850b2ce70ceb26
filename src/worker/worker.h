#pragma once
// A worker process: an epoll loop over the shared listening sockets and its own connections.
// Idle and slow connections cost it nothing; only the application call blocks (docs/design.md).

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "appserver/app_runtime.h"
#include "os/file_watch.h"
#include "os/listen_socket.h"
#include "os/unique_fd.h"
#include "worker/accept_pause.h"
#include "worker/connection.h"
#include "worker/http_session.h"
#include "worker/request_pool.h"
#include "worker/uwsgi_session.h"

namespace appserver {

struct WorkerSettings {
    int id = 1;  // 1-based, for logs and process titles
    pid_t master_pid = 0;
    int threads = 1;
    RequestLimits limits;
    int head_timeout_s = 60;  // http-timeout: in all, for a request head, a body read ahead, a drain
    int keepalive_timeout_s = 15;
    int max_requests = 0;      // recycle after this many requests; 0: no limit
    int reload_on_rss_mb = 0;  // recycle when resident memory passes this; 0: never
    int max_lifetime_s = 0;    // recycle after running this long (max-worker-lifetime + delta); 0: never
    int harakiri_s = 0;        // kill the worker when one request takes longer; 0: never
    int harakiri_graceful_s = 0;        // harakiri-graceful-timeout: a graceful signal first, then this long
    int harakiri_graceful_signal = 15;  // harakiri-graceful-signal (SIGTERM)
    int ready_fd = -1;         // messages to the master (worker/exit_codes.h): serving, stopped accepting
    int py_autoreload_s = 0;   // lazy-apps: this worker watches the modules it imported itself
    int signal_pool_fd = -1;   // uWSGI signals for "the first free worker" (signals/signal_hub.h)
    int signal_own_fd = -1;    // ... and for this worker
    SessionSettings session;
};

class Worker {
public:
    Worker(const WorkerSettings& settings, std::vector<ListenSocket>& listeners, AppRuntime& runtime);
    ~Worker();
    // Runs until told to stop or the master is gone. Returns the process exit code.
    int run();

private:
    void watch_listeners(bool on);
    void accept_from(ListenSocket& listener);
    Session& session_of(const Connection& conn);
    void on_event(Connection* conn, std::uint32_t events);
    void resume_accepting_if_due();
    void on_readable(Connection* conn);
    void on_peer_closed(Connection* conn);
    void dispatch(Connection* conn);
    void settle(Connection* conn);
    void take_back_from_pool();
    void watch(Connection* conn);
    void unwatch(Connection* conn);
    void close_connection(Connection* conn);
    void sweep();
    void give_back_memory();
    void begin_stop(const std::string& why);
    void check_recycling();
    void check_memory();
    void check_code_changes();
    bool master_alive() const;
    void watch_signal_channels();
    void on_signal_channel(std::size_t which);

    WorkerSettings settings_;
    std::vector<ListenSocket>& listeners_;
    std::vector<bool> nodelay_inherited_;  // per listener: TCP_NODELAY set on it (connections inherit it)
    AppRuntime& runtime_;
    UniqueFd epoll_;
    int epoll_error_ = 0;                // errno of a failed epoll_create1 (run() reports it)
    bool listening_ = false;             // the listeners are in the epoll set
    bool listeners_wanted_ = false;      // what the loop asks for (not stopping, a thread free)
    AcceptPause accept_pause_;           // out of file descriptors: listeners unwatched for a moment
    std::atomic<bool> stopping_{false};  // read by request threads
    std::unordered_map<int, std::unique_ptr<Connection>> connections_;
    std::size_t peak_connections_ = 0;  // since memory was last given back (malloc_trim)
    std::string scratch_;  // the event loop reads into this; connections keep only what they need
    HttpSession http_;
    UwsgiSession uwsgi_;
    std::unique_ptr<RequestPool> pool_;
    std::unique_ptr<Harakiri> harakiri_;
    std::atomic<long> served_{0};
    std::atomic<int> next_core_{0};         // the scoreboard core of the next request thread
    std::atomic<std::size_t> buffered_{0};  // response bytes kept for slow readers
    FileWatch code_watch_;
    Clock::time_point next_code_check_{};
    Clock::time_point started_ = Clock::now();  // max-worker-lifetime counts from here
};

}  // namespace appserver
