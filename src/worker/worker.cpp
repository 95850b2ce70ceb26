#include "worker/worker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "log/log.h"
#include "worker/uwsgi_session.h"

namespace appserver {
namespace {

volatile std::sig_atomic_t g_graceful_stop = 0;
volatile std::sig_atomic_t g_reopen_logs = 0;

void on_graceful(int) { g_graceful_stop = 1; }
// Immediate shutdown means now, also in the middle of a request: nothing is left to finish.
void on_immediate(int) { ::_exit(0); }
void on_reopen(int) { g_reopen_logs = 1; }

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
constexpr std::size_t kReadSize = 16 * 1024;
constexpr int kMaxEvents = 256;

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

// A uwsgi connection carries one request; an HTTP one as many as the client sends.
SessionResult serve_connection(Connection& conn, AppRuntime& runtime, const WorkerSettings& settings,
                               bool stopping) {
    if (conn.listener->protocol == Protocol::uwsgi) {
        serve_uwsgi_request(conn, runtime, settings.session, settings.limits.max_head_size);
        return SessionResult::close;
    }
    return serve_ready_requests(conn, runtime, settings.session, stopping);
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

void install_worker_signal_handlers() {
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_graceful;
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_immediate;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGQUIT, &sa, nullptr);
    sa.sa_handler = on_reopen;
    sigaction(SIGUSR1, &sa, nullptr);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    // Delivered only inside epoll_pwait: the loop sees them between requests, never mid-syscall.
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, nullptr);
}

Worker::Worker(const WorkerSettings& settings, std::vector<ListenSocket>& listeners, AppRuntime& runtime)
    : settings_(settings), listeners_(listeners), runtime_(runtime), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}

Worker::~Worker() = default;

bool Worker::master_alive() const { return ::getppid() == settings_.master_pid; }

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
        int fd = ::accept4(listener.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
                if (accept_pause_.refuse(Clock::now(), connections_.size()))
                    log_accept_refusal(settings_.id, listener, err, connections_.size(), accept_pause_.unreported());
                watch_listeners(listeners_wanted_);
            } else if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR && err != ECONNABORTED) {
                spdlog::error("{}", log::syscall_error("accept4", listener.bound_name, err));
            }
            return;
        }
        if (!listener.address.is_unix) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        auto conn = std::make_unique<Connection>(UniqueFd(fd), peer_of(addr, listener), listener, settings_.limits);
        Connection* raw = conn.get();
        connections_.emplace(fd, std::move(conn));
        // The request usually arrives with the connection (TCP_DEFER_ACCEPT): serve it before
        // registering with epoll, which a Connection: close client then never costs.
        on_readable(raw);
        auto it = connections_.find(fd);
        if (it != connections_.end() && !it->second->busy) watch(it->second.get());
        if (pool_ && pool_->busy() >= pool_->size()) return;
    }
}

void Worker::watch(Connection* conn) {
    // A connection with response bytes still to send waits for the client to take them before
    // its next request is read.
    std::uint32_t events = conn->output.empty() ? (EPOLLIN | EPOLLRDHUP) : EPOLLOUT;
    if (conn->in_epoll && conn->watched == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<std::uint64_t>(conn->fd.get());
    ::epoll_ctl(epoll_.get(), conn->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, conn->fd.get(), &ev);
    conn->in_epoll = true;
    conn->watched = events;
}

void Worker::after_serving(Connection* conn, bool close) {
    if (close && conn->output.empty()) {
        close_connection(conn);
        return;
    }
    conn->close_after_flush = conn->close_after_flush || close;
    watch(conn);
}

void Worker::on_writable(Connection* conn) {
    switch (conn->output.flush_some(conn->fd.get())) {
        case OutputBuffer::Flush::failed: close_connection(conn); return;
        case OutputBuffer::Flush::more: conn->last_activity = Clock::now(); return;
        case OutputBuffer::Flush::done:
            conn->last_activity = Clock::now();
            after_serving(conn, conn->close_after_flush);
            return;
    }
}

void Worker::unwatch(Connection* conn) {
    if (!conn->in_epoll) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, conn->fd.get(), nullptr);
    conn->in_epoll = false;
}

void Worker::close_connection(Connection* conn) {
    unwatch(conn);
    connections_.erase(conn->fd.get());
}

void Worker::on_readable(Connection* conn) {
    std::size_t old = conn->input.size();
    conn->input.resize(old + kReadSize);
    ssize_t n = ::recv(conn->fd.get(), conn->input.data() + old, kReadSize, 0);
    conn->input.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
        // Closed or reset before a complete request: nothing to answer.
        if (conn->listener->protocol == Protocol::uwsgi) log_truncated_uwsgi_packet(*conn);
        close_connection(conn);
        return;
    }
    conn->last_activity = Clock::now();
    if (conn->listener->protocol == Protocol::uwsgi) {
        UwsgiProgress progress = check_uwsgi_packet(*conn, settings_.limits.max_head_size);
        if (progress == UwsgiProgress::refused) close_connection(conn);
        if (progress != UwsgiProgress::ready) return;
        dispatch(conn);
        return;
    }
    conn->feed_input();
    if (conn->parser.state() == HttpRequestParser::State::head) return;
    dispatch(conn);
}

void Worker::dispatch(Connection* conn) {
    if (conn->parser.state() == HttpRequestParser::State::error) {
        answer_parse_error(*conn, settings_.session);
        close_connection(conn);
        return;
    }
    if (!pool_) {
        after_serving(conn, serve_connection(*conn, runtime_, settings_, stopping_) == SessionResult::close);
        return;
    }
    unwatch(conn);
    conn->busy = true;
    pool_->submit(conn);
    // Every thread busy: let the other workers take new connections.
    if (pool_->busy() >= pool_->size()) watch_listeners(false);
}

void Worker::take_back_from_pool() {
    for (Connection* conn : pool_->take_done()) {
        conn->busy = false;
        after_serving(conn, conn->should_close);
    }
    if (!stopping_ && pool_->busy() < pool_->size()) watch_listeners(true);
}

void Worker::sweep() {
    auto now = Clock::now();
    std::vector<Connection*> expired;
    for (auto& [fd, conn] : connections_) {
        if (conn->busy) continue;
        auto quiet = std::chrono::duration_cast<std::chrono::seconds>(now - conn->last_activity).count();
        bool between_requests = conn->idle() && conn->requests_served > 0;
        // Stopping: an idle keep-alive connection goes now; a new one whose request is still on its
        // way gets a moment (the client connected before we stopped listening and is sending).
        if (stopping_ && conn->idle() && (conn->requests_served > 0 || quiet >= 2)) expired.push_back(conn.get());
        else if (between_requests && quiet >= settings_.keepalive_timeout_s) expired.push_back(conn.get());
        else if (!between_requests && quiet >= settings_.head_timeout_s) expired.push_back(conn.get());
    }
    for (Connection* conn : expired) close_connection(conn);
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
    // A request that reached an idle keep-alive connection just now is served, not dropped.
    std::vector<Connection*> idle;
    for (auto& [fd, conn] : connections_)
        if (!conn->busy && conn->idle()) idle.push_back(conn.get());
    for (Connection* conn : idle) {
        if (connections_.count(conn->fd.get()) && !conn->busy) on_readable(conn);
    }
    sweep();
}

void Worker::check_recycling() {
    if (stopping_) return;
    if (settings_.max_requests > 0 && served_.load() >= settings_.max_requests) {
        begin_stop("served " + std::to_string(served_.load()) + " requests (max-requests " +
                   std::to_string(settings_.max_requests) + "): recycling");
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
    if (settings_.py_autoreload_s > 0) {
        code_watch_.watch(runtime_.source_files());
        next_code_check_ = Clock::now() + std::chrono::seconds(settings_.py_autoreload_s);
    }
    harakiri_ = std::make_unique<Harakiri>(settings_.harakiri_s, settings_.id, std::max(1, settings_.threads));
    settings_.session.harakiri = settings_.harakiri_s > 0 ? harakiri_.get() : nullptr;
    settings_.session.served = &served_;
    settings_.session.exchange.output.worker_total = &buffered_;
    if (settings_.threads > 1) {
        pool_ = std::make_unique<RequestPool>(
            settings_.threads,
            [this](Connection* conn) {
                conn->should_close =
                    serve_connection(*conn, runtime_, settings_, stopping_) == SessionResult::close;
            },
            [this] { runtime_.thread_start(); });
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kPoolTag;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pool_->event_fd(), &ev);
    } else {
        runtime_.thread_start();
    }
    watch_listeners(true);
    if (settings_.ready_fd >= 0) {
        pid_t self = ::getpid();
        [[maybe_unused]] ssize_t n = ::write(settings_.ready_fd, &self, sizeof self);
        ::close(settings_.ready_fd);
    }

    sigset_t unblocked;
    sigemptyset(&unblocked);
    epoll_event events[kMaxEvents];
    auto last_sweep = Clock::now();
    for (;;) {
        if (g_reopen_logs) {
            g_reopen_logs = 0;
            log::reopen_output();
        }
        if (g_graceful_stop) begin_stop("");
        if (!master_alive()) begin_stop("the master is gone: stopping");
        check_recycling();
        if (stopping_ && connections_.empty() && (!pool_ || pool_->busy() == 0)) break;
        resume_accepting_if_due();
        int timeout_ms = accept_pause_.wait_ms(Clock::now(), 1000);
        int n = ::epoll_pwait(epoll_.get(), events, kMaxEvents, timeout_ms, &unblocked);
        if (n < 0 && errno != EINTR) {
            spdlog::critical("{}", log::syscall_error("epoll_pwait", "", errno));
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            std::uint64_t tag = events[i].data.u64;
            if (tag == kPoolTag) {
                take_back_from_pool();
            } else if (tag & kListenerTag) {
                if (listening_) accept_from(listeners_[tag & 0xffffffffULL]);
            } else {
                auto it = connections_.find(static_cast<int>(tag));
                if (it == connections_.end() || it->second->busy) continue;
                if (!it->second->output.empty()) on_writable(it->second.get());
                else on_readable(it->second.get());
            }
        }
        auto now = Clock::now();
        if (now - last_sweep >= std::chrono::seconds(1) || stopping_) {
            last_sweep = now;
            check_memory();
            check_code_changes();
            sweep();
        }
    }
    pool_.reset();
    return 0;
}

}  // namespace appserver
