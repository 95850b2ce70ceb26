#include "worker/worker.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "log/access_log.h"
#include "log/log.h"
#include "os/signals.h"
#include "worker/deadline.h"
#include "worker/exit_codes.h"
#include "worker/worker_stats.h"

namespace appserver {
namespace {

long resident_mb() {
    long pages = 0, resident = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * ::sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

constexpr std::uint64_t kListenerTag = 1ULL << 32;
constexpr std::uint64_t kPoolTag = 2ULL << 32;
constexpr std::uint64_t kSignalTag = 3ULL << 32;  // | 0: the pool channel, | 1: this worker's
constexpr std::size_t kReadSize = 64 * 1024;
constexpr int kMaxEvents = 256;
// Memory is handed back to the system once this many connections have closed since the peak.
constexpr std::size_t kTrimAfterCloses = 256;

// The states in which the loop reads from the connection.
bool reads_input(const Connection& conn) {
    if (conn.peer_closed) return false;
    return conn.state == ConnState::reading_request || conn.state == ConnState::draining_body ||
           conn.state == ConnState::closing;
}

PeerInfo peer_of(const sockaddr_storage& addr, const ListenSocket& listener) {
    PeerInfo p;
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
        p.remote_port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
        p.remote_port = ntohs(a->sin6_port);
    }
    p.remote_addr = buf;
    p.local_addr = listener.address.is_unix ? listener.bound_name : listener.local_host;
    p.local_port = listener.local_port;
    return p;
}

// Once per AcceptPause::kReportEvery at most, however often accept() fails meanwhile.
void log_accept_refusal(int worker, const ListenSocket& listener, int err, std::size_t open,
                        std::uint64_t unreported) {
    spdlog::warn("worker {}: {}: not accepting for {} ms ({} connections open; {}){}", worker,
                 log::syscall_error("accept4", listener.bound_name, err), AcceptPause::kPause.count(), open,
                 err == EMFILE ? "raise the limit with max-fd or the service's LimitNOFILE"
                               : "the system is short of descriptors or memory",
                 unreported > 0 ? "; " + std::to_string(unreported) + " more refusals since the last report"
                                : std::string());
}

}  // namespace

Worker::Worker(const WorkerSettings& settings, std::vector<ListenSocket>& listeners, AppRuntime& runtime)
    : settings_(settings),
      listeners_(listeners),
      runtime_(runtime),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      scratch_(kReadSize, '\0'),
      http_(runtime, settings_.session),
      uwsgi_(runtime, settings_.session, settings_.limits) {
    if (!epoll_) epoll_error_ = errno;
    count_forks();
    // Linux gives each accepted connection the listening socket's TCP_NODELAY: set it once here
    // instead of once per connection (where it fails, each connection still gets it).
    nodelay_inherited_.assign(listeners_.size(), false);
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        if (listeners_[i].address.is_unix) continue;
        int one = 1;
        nodelay_inherited_[i] =
            ::setsockopt(listeners_[i].fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
    }
}

Worker::~Worker() = default;

bool Worker::master_alive() const { return ::getppid() == settings_.master_pid; }

// uWSGI signals from the master (src/signals/signal_hub.h): the pool channel, shared by every
// worker (EPOLLEXCLUSIVE: one of them reads a signal), and this worker's own.
void Worker::watch_signal_channels() {
    int fds[2] = {settings_.signal_pool_fd, settings_.signal_own_fd};
    for (std::size_t i = 0; i < 2; ++i) {
        if (fds[i] < 0) continue;
        epoll_event ev{};
        ev.events = EPOLLIN | (i == 0 ? EPOLLEXCLUSIVE : 0u);
        ev.data.u64 = kSignalTag | i;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fds[i], &ev) != 0)
            spdlog::error("worker {}: {}", settings_.id, log::syscall_error("epoll_ctl", "signal channel", errno));
    }
}

// Runs the handler of each signal read, in this loop (as uWSGI's workers do between requests).
// From the pool one signal per wake-up, so that a burst spreads over the free workers; from its
// own channel a bounded batch, so that the loop goes on serving during a storm.
void Worker::on_signal_channel(std::size_t which) {
    int fd = which == 0 ? settings_.signal_pool_fd : settings_.signal_own_fd;
    unsigned char buf[64];
    ssize_t n = ::read(fd, buf, which == 0 ? 1 : sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        // The master that made the channel is gone (a reload re-executed it): nothing more comes.
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
        return;
    }
    for (ssize_t i = 0; i < n; ++i) {
        runtime_.handle_signal(buf[i]);
    }
}

void Worker::watch_listeners(bool on) {
    listeners_wanted_ = on;
    // Out of file descriptors, the listeners stay unwatched until the pause ends.
    bool watched = on && !accept_pause_.active();
    if (watched == listening_) return;
    listening_ = watched;
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        int fd = listeners_[i].fd.get();
        int rc;
        if (watched) {
            // EPOLLEXCLUSIVE: one connection wakes one worker, not all of them.
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLEXCLUSIVE;
            ev.data.u64 = kListenerTag | i;
            rc = ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
        } else {
            rc = ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
        }
        if (rc != 0)
            spdlog::error("worker {}: {}", settings_.id,
                          log::syscall_error("epoll_ctl", listeners_[i].bound_name, errno));
    }
}

// accept() failed for want of descriptors or kernel memory: the connection stays queued and the
// listener readable, so retrying at once would spin. Stop watching until a connection of ours
// closes or the pause ends (the loop calls resume_accepting_if_due), and log once per interval.
void Worker::resume_accepting_if_due() {
    if (!accept_pause_.should_resume(Clock::now(), connections_.size())) return;
    accept_pause_.resume();
    watch_listeners(listeners_wanted_);
}

void Worker::accept_from(ListenSocket& listener) {
    // Take few at a time so that connections spread over the workers.
    int budget = pool_ ? std::max(1, pool_->size() - pool_->busy()) : 1;
    while (budget-- > 0) {
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        int fd = ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                if (accept_pause_.refuse(Clock::now(), connections_.size()))
                    log_accept_refusal(settings_.id, listener, err, connections_.size(),
                                       accept_pause_.unreported());
                watch_listeners(listeners_wanted_);
            } else if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECONNABORTED) {
                spdlog::error("{}", log::syscall_error("accept4", listener.bound_name, err));
            }
            return;
        }
        if (!listener.address.is_unix && !nodelay_inherited_[static_cast<std::size_t>(&listener - listeners_.data())]) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        auto conn =
            std::make_unique<Connection>(UniqueFd(fd), peer_of(addr, listener), listener, settings_.limits);
        Connection* raw = conn.get();
        connections_.emplace(fd, std::move(conn));
        // The request usually arrives with the connection (TCP_DEFER_ACCEPT): serve it before
        // registering with epoll, which a Connection: close client then never costs.
        on_readable(raw);
        if (pool_ && pool_->busy() >= pool_->size()) return;
    }
}

Session& Worker::session_of(const Connection& conn) {
    if (conn.listener->protocol == Protocol::uwsgi) return uwsgi_;
    return http_;
}

void Worker::watch(Connection* conn) {
    // Response bytes go out whenever the client takes them; input is read only in the states that
    // want it (not while a response waits: the next request is read after it is taken).
    std::uint32_t events = 0;
    if (reads_input(*conn)) events |= EPOLLIN | EPOLLRDHUP;
    if (!conn->output.empty()) events |= EPOLLOUT;
    if (conn->in_epoll && conn->watched == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<std::uint64_t>(conn->fd.get());
    if (::epoll_ctl(epoll_.get(), conn->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, conn->fd.get(), &ev) != 0) {
        spdlog::error("{}", log::syscall_error("epoll_ctl", conn->peer.remote_addr, errno));
        close_connection(conn);
        return;
    }
    conn->in_epoll = true;
    conn->watched = events;
}

void Worker::unwatch(Connection* conn) {
    if (!conn->in_epoll) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, conn->fd.get(), nullptr);
    conn->in_epoll = false;
}

void Worker::close_connection(Connection* conn) {
    unwatch(conn);
    // The FIN goes out now even when a child the application forked holds a copy of the socket
    // (close() alone would leave a Connection: close client waiting until that child exits). With
    // no fork since the accept, close() alone sends it: one syscall less per connection.
    if (!conn->write_shut && forks_so_far() != conn->forks_at_accept)
        ::shutdown(conn->fd.get(), SHUT_WR);  // (a lingering close did it already)
    connections_.erase(conn->fd.get());
}

// Every path through the handlers below ends in exactly one of: close_connection, dispatch, settle.

void Worker::on_event(Connection* conn, std::uint32_t events) {
    if (!conn->output.empty() && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        if (conn->output.flush_some(conn->fd.get()) == OutputBuffer::Flush::failed) {
            close_connection(conn);
            return;
        }
        conn->last_activity = Clock::now();
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && reads_input(*conn)) {
        on_readable(conn);
        return;
    }
    settle(conn);
}

void Worker::on_readable(Connection* conn) {
    ssize_t n = ::recv(conn->fd.get(), scratch_.data(), scratch_.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        settle(conn);
        return;
    }
    if (n < 0) {
        close_connection(conn);  // reset: nothing more can reach the client
        return;
    }
    if (n == 0) {
        on_peer_closed(conn);
        return;
    }
    worker_stats::add_rx(static_cast<std::uint64_t>(n));
    bool head_begins = conn->idle() && conn->requests_served > 0;
    conn->last_activity = Clock::now();
    // A later request's head has http-timeout from its first byte (the first request's, from the
    // accept), however it trickles in.
    if (head_begins) conn->phase_since = conn->last_activity;
    if (conn->state == ConnState::closing) {
        settle(conn);  // discarded: lingering until the peer closes
        return;
    }
    switch (session_of(*conn).on_input(*conn, scratch_.data(), static_cast<std::size_t>(n))) {
        case Session::Next::close: close_connection(conn); return;
        case Session::Next::serve: dispatch(conn); return;
        case Session::Next::wait: settle(conn); return;
    }
}

void Worker::on_peer_closed(Connection* conn) {
    conn->peer_closed = true;
    if (conn->state == ConnState::reading_request) {
        // Closed before a complete request: nothing to answer.
        session_of(*conn).on_peer_closed(*conn);
        close_connection(conn);
        return;
    }
    // A body cut short: the response still goes out, then the connection closes.
    if (conn->state == ConnState::draining_body) conn->state = ConnState::closing;
    settle(conn);
}

void Worker::dispatch(Connection* conn) {
    // Static files are answered here, in the loop, without the application or a request thread;
    // pipelined requests behind one are looked at in turn (each consumes input: the loop ends).
    Session& session = session_of(*conn);
    while (std::optional<ConnState> next = session.serve_static(*conn, stopping_)) {
        conn->state = *next;
        if (conn->state != ConnState::reading_request) {
            settle(conn);
            return;
        }
        switch (session.on_input(*conn, nullptr, 0)) {
            case Session::Next::close: close_connection(conn); return;
            case Session::Next::wait: settle(conn); return;
            case Session::Next::serve: break;
        }
    }
    conn->state = ConnState::in_app;
    if (!pool_) {
        conn->state = session_of(*conn).serve(*conn, stopping_);
        settle(conn);
        return;
    }
    unwatch(conn);
    pool_->submit(conn);
    // Every thread busy: let the other workers take new connections.
    if (pool_->busy() >= pool_->size()) watch_listeners(false);
}

// What a connection does next, from its state; then its epoll registration follows the state.
void Worker::settle(Connection* conn) {
    switch (conn->state) {
        case ConnState::in_app: return;
        case ConnState::writing_behind:
            if (!conn->output.empty()) break;
            // The client took the response: on to the next request, maybe already buffered (its
            // http-timeout starts now, not while it waited behind this response).
            conn->state = ConnState::reading_request;
            conn->phase_since = Clock::now();
            switch (session_of(*conn).on_input(*conn, nullptr, 0)) {
                case Session::Next::close: close_connection(conn); return;
                case Session::Next::serve: dispatch(conn); return;
                case Session::Next::wait: settle(conn); return;
            }
            return;
        case ConnState::reading_request:
            if (conn->peer_closed) {
                close_connection(conn);
                return;
            }
            if (conn->idle()) conn->release_buffers();
            break;
        case ConnState::draining_body: break;
        case ConnState::closing:
            if (!conn->output.empty()) break;
            if (conn->peer_closed || (!conn->write_shut && !session_of(*conn).may_send_more(*conn))) {
                close_connection(conn);
                return;
            }
            if (!conn->write_shut) {
                // Closing with unread input would reset the connection and could destroy the
                // response in flight: say we are done and discard what comes until the peer closes.
                if (::shutdown(conn->fd.get(), SHUT_WR) != 0) {
                    close_connection(conn);
                    return;
                }
                conn->write_shut = true;
                conn->closing_since = Clock::now();
                conn->release_buffers();
            }
            break;
    }
    watch(conn);
}

void Worker::take_back_from_pool() {
    for (Connection* conn : pool_->take_done()) {
        conn->state = conn->after_app;
        settle(conn);
    }
    if (!stopping_ && pool_->busy() < pool_->size()) watch_listeners(true);
}

void Worker::sweep() {
    auto now = Clock::now();
    std::vector<Connection*> expired_connections;
    Deadlines limits{std::chrono::seconds(settings_.head_timeout_s),
                     std::chrono::seconds(settings_.keepalive_timeout_s)};
    for (auto& [fd, conn] : connections_)
        if (past_deadline(*conn, limits, stopping_, now)) expired_connections.push_back(conn.get());
    for (Connection* conn : expired_connections) {
        // A request that did not arrive within http-timeout in all (slowloris, a stalled upload):
        // closed without an answer, at debug level (a flood of them must not flood the log).
        if (conn->state == ConnState::reading_request && !conn->idle())
            spdlog::debug("{}: request {} not complete after http-timeout ({} s): connection closed",
                          conn->peer.remote_addr, conn->body_ahead ? "body" : "head",
                          settings_.head_timeout_s);
        close_connection(conn);
    }
}

// After a burst of closes, the memory those connections used goes back to the system: glibc keeps
// freed heap otherwise, and a worker would stay at its peak size for good.
void Worker::give_back_memory() {
    if (peak_connections_ < connections_.size() + kTrimAfterCloses) return;
    peak_connections_ = connections_.size();
    ::malloc_trim(0);
}

void Worker::begin_stop(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    if (!why.empty()) spdlog::info("worker {}: {}", settings_.id, why);
    // Connections already queued on the shared sockets may have woken only this worker
    // (EPOLLEXCLUSIVE): take them now rather than leave them waiting for the next wake-up.
    for (auto& listener : listeners_) {
        for (int taken = 0; listening_ && taken < 1024; ++taken) {
            std::size_t before = connections_.size();
            accept_from(listener);
            if (connections_.size() == before) break;
        }
    }
    watch_listeners(false);
    worker_stats::set_accepting(false);
    worker_stats::set_stopping();
    // The master refills this worker's slot now and kills it if it outlasts worker-reload-mercy.
    if (settings_.ready_fd >= 0) {
        pid_t message = retiring_message(::getpid());
        [[maybe_unused]] ssize_t n = ::write(settings_.ready_fd, &message, sizeof message);
    }
    // A request that reached an idle keep-alive connection just now is served, not dropped.
    std::vector<Connection*> idle;
    for (auto& [fd, conn] : connections_)
        if (conn->idle()) idle.push_back(conn.get());
    for (Connection* conn : idle) {
        if (connections_.count(conn->fd.get()) && conn->state == ConnState::reading_request)
            on_readable(conn);
    }
    // Keep-alive is over: a body still being discarded is discarded while closing instead.
    std::vector<Connection*> draining;
    for (auto& [fd, conn] : connections_)
        if (conn->state == ConnState::draining_body) draining.push_back(conn.get());
    for (Connection* conn : draining) {
        conn->state = ConnState::closing;
        settle(conn);
    }
    sweep();
}

void Worker::check_recycling() {
    if (stopping_) return;
    if (settings_.max_requests > 0 && served_.load() >= settings_.max_requests) {
        begin_stop("served " + std::to_string(served_.load()) + " requests (max-requests " +
                   std::to_string(settings_.max_requests) + "): recycling");
    }
    if (settings_.max_lifetime_s > 0 && Clock::now() - started_ > std::chrono::seconds(settings_.max_lifetime_s)) {
        auto lived = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count();
        begin_stop("ran " + std::to_string(lived) + " s (max-worker-lifetime " +
                   std::to_string(settings_.max_lifetime_s) + " s): recycling");
    }
}

void Worker::check_memory() {
    if (!stopping_ && settings_.reload_on_rss_mb > 0) {
        long rss = resident_mb();
        if (rss > settings_.reload_on_rss_mb)
            begin_stop("resident memory " + std::to_string(rss) + " MB over reload-on-rss " +
                       std::to_string(settings_.reload_on_rss_mb) + " MB: recycling");
    }
}

void Worker::check_code_changes() {
    if (settings_.py_autoreload_s <= 0 || Clock::now() < next_code_check_) return;
    next_code_check_ = Clock::now() + std::chrono::seconds(settings_.py_autoreload_s);
    if (std::string path = code_watch_.changed(); !path.empty()) {
        // The master reloads (checking the new code first), as on SIGHUP.
        spdlog::info("worker {}: {} changed: asking the master to reload", settings_.id, path);
        ::kill(settings_.master_pid, SIGHUP);
    }
}

int Worker::run() {
    log::access_log().set_worker(settings_.id);  // %(wid), %(pid)
    // Out of descriptors before serving: a worker that cannot start, so the master backs off
    // (a worker that reported ready would be replaced at once, in a loop).
    auto cannot_start = [this](const char* call, int err) {
        spdlog::error("worker {}: {}", settings_.id, log::syscall_error(call, "", err));
        return kWorkerBootFailed;
    };
    if (!epoll_) return cannot_start("epoll_create1", epoll_error_);
    if (settings_.py_autoreload_s > 0) {
        code_watch_.watch(runtime_.source_files());
        next_code_check_ = Clock::now() + std::chrono::seconds(settings_.py_autoreload_s);
    }
    harakiri_ =
        std::make_unique<Harakiri>(settings_.harakiri_s, settings_.id, std::max(1, settings_.threads),
                                   settings_.harakiri_graceful_s, settings_.harakiri_graceful_signal);
    settings_.session.harakiri = harakiri_.get();  // always: set_user_harakiri needs it without a limit
    worker_stats::attach(settings_.id, settings_.threads <= 1);  // after the Harakiri constructor has claimed the slot
    settings_.session.served = &served_;
    settings_.session.exchange.output.worker_total = &buffered_;
    if (settings_.threads > 1) {
        pool_ = std::make_unique<RequestPool>(
            settings_.threads,
            [this](Connection* conn) { conn->after_app = session_of(*conn).serve(*conn, stopping_); },
            [this] {
                worker_stats::bind_thread(next_core_.fetch_add(1));
                runtime_.thread_start();
            });
        if (int err = pool_->error(); err != 0) {
            pool_.reset();
            return cannot_start("eventfd", err);
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kPoolTag;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pool_->event_fd(), &ev) != 0) {
            int err = errno;
            pool_.reset();
            return cannot_start("epoll_ctl", err);
        }
    } else {
        runtime_.thread_start();
    }
    watch_signal_channels();
    watch_listeners(true);
    worker_stats::set_accepting(true);
    if (settings_.ready_fd >= 0) {
        pid_t message = ready_message(::getpid());
        [[maybe_unused]] ssize_t n = ::write(settings_.ready_fd, &message, sizeof message);
    }

    sigset_t unblocked;
    sigemptyset(&unblocked);
    epoll_event events[kMaxEvents];
    auto last_sweep = Clock::now();
    log::access_log().batch_on_this_thread();
    for (;;) {
        log::access_log().flush();  // the last pass's lines, before the wait and before a reopen
        if (worker_take_reopen_logs()) log::reopen_output();
        if (worker_stop_requested()) begin_stop("");
        check_recycling();
        if (stopping_ && connections_.empty() && (!pool_ || pool_->busy() == 0)) break;
        resume_accepting_if_due();
        int timeout_ms = accept_pause_.wait_ms(Clock::now(), 1000);
        int n = ::epoll_pwait(epoll_.get(), events, kMaxEvents, timeout_ms, &unblocked);
        if (n < 0 && errno != EINTR) {
            spdlog::critical("{}", log::syscall_error("epoll_pwait", "", errno));
            log::access_log().flush();
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            std::uint64_t tag = events[i].data.u64;
            if (tag == kPoolTag) {
                take_back_from_pool();
            } else if ((tag & ~0xffffffffULL) == kSignalTag) {
                on_signal_channel(tag & 0xffffffffULL);
            } else if (tag & kListenerTag) {
                if (listening_) accept_from(listeners_[tag & 0xffffffffULL]);
            } else {
                auto it = connections_.find(static_cast<int>(tag));
                if (it == connections_.end() || it->second->state == ConnState::in_app) continue;
                on_event(it->second.get(), events[i].events);
            }
        }
        peak_connections_ = std::max(peak_connections_, connections_.size());
        auto now = Clock::now();
        if (now - last_sweep >= std::chrono::seconds(1) || stopping_) {
            last_sweep = now;
            // PR_SET_PDEATHSIG stops a worker whose master dies; this is the fallback, once a
            // second rather than a getppid() per turn of the loop.
            if (!master_alive()) begin_stop("the master is gone: stopping");
            check_memory();
            check_code_changes();
            sweep();
            give_back_memory();
        }
    }
    pool_.reset();  // its threads' requests are logged by now
    log::access_log().flush();
    return 0;
}

}  // namespace appserver
