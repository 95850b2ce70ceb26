#include "master/signal_dispatcher.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "log/log.h"

namespace appserver {
namespace {

// Bytes read per channel per wake-up: a storm from one process cannot hold the master's loop.
constexpr std::size_t kDrainBatch = 4096;

// "worker7" -> 7; "workers", "worker" -> -1.
int number_after(std::string_view target, std::string_view prefix) {
    if (target.size() <= prefix.size() || target.substr(0, prefix.size()) != prefix) return -1;
    int n = 0;
    for (char c : target.substr(prefix.size())) {
        if (c < '0' || c > '9' || n > 100000) return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

}  // namespace

void SignalDispatcher::add_receiver(Receiver receiver) {
    remove_receiver(receiver.name);
    receivers_.push_back(std::move(receiver));
}

void SignalDispatcher::remove_receiver(const std::string& name) {
    std::erase_if(receivers_, [&](const Receiver& r) { return r.name == name; });
}

void SignalDispatcher::start(SignalHub* hub, std::function<bool(int)> worker_running) {
    hub_ = hub;
    worker_running_ = std::move(worker_running);
}

void SignalDispatcher::poll_set(std::vector<pollfd>& fds) const {
    if (!hub_) return;
    fds.push_back(pollfd{.fd = hub_->pool_master_end(), .events = POLLIN, .revents = 0});
    for (int id = 1; id <= hub_->worker_channels(); ++id)
        fds.push_back(pollfd{.fd = hub_->worker_master_end(id), .events = POLLIN, .revents = 0});
    if (inotify_) fds.push_back(pollfd{.fd = inotify_.get(), .events = POLLIN, .revents = 0});
}

void SignalDispatcher::on_poll(const std::vector<pollfd>& fds) {
    if (!hub_) return;
    for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        if (inotify_ && p.fd == inotify_.get()) {
            read_file_events();
            continue;
        }
        bool ours = p.fd == hub_->pool_master_end();
        for (int id = 1; !ours && id <= hub_->worker_channels(); ++id) ours = p.fd == hub_->worker_master_end(id);
        if (ours) drain(p.fd);
    }
}

void SignalDispatcher::drain(int fd) {
    unsigned char buf[kDrainBatch];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        spdlog::error("{}", log::syscall_error("read", "signal channel", errno));
    for (ssize_t i = 0; i < n; ++i) route(buf[i]);
}

void SignalDispatcher::route(int num) {
    if (!hub_) return;
    std::string target = hub_->target(num);
    if (target.empty() || target == "worker" || target == "worker0") {
        if (hub_->send(hub_->pool_master_end(), num, "the workers' pool")) hub_->count_routed();
        return;
    }
    if (target == "workers" || target == "active-workers") {
        bool only_running = target == "active-workers";
        for (int id = 1; id <= hub_->worker_channels(); ++id)
            if (!only_running || (worker_running_ && worker_running_(id))) send_to_worker(id, num);
        return;
    }
    if (int id = number_after(target, "worker"); id > 0) {
        if (hub_->worker_master_end(id) < 0) {
            nowhere(num, target);
            return;
        }
        send_to_worker(id, num);
        return;
    }
    bool sent = false;
    for (const Receiver& r : receivers_) {
        if (r.name != target && (r.group.empty() || r.group != target)) continue;
        if (hub_->send(r.fd, num, r.name)) hub_->count_routed();
        sent = true;
    }
    if (!sent) nowhere(num, target);
}

void SignalDispatcher::send_to_worker(int id, int num) {
    if (hub_->send(hub_->worker_master_end(id), num, "worker " + std::to_string(id))) hub_->count_routed();
}

void SignalDispatcher::nowhere(int num, const std::string& target) {
    if (!reported_nowhere_.insert(target).second) return;
    spdlog::warn("signal {}: target \"{}\" has no process in this instance (no such worker, or no mule/spooler "
                 "configured): dropped (logged once per target)",
                 num, target);
}

void SignalDispatcher::sync_sources(Clock::time_point now) {
    for (int n = hub_->timer_count(); timers_seen_ < n; ++timers_seen_) {
        SignalTimer t = hub_->timer(timers_seen_);
        auto interval = std::chrono::milliseconds(t.interval_ms);
        timers_.push_back(Timer{.signal = t.signal, .interval = interval, .iterations = t.iterations,
                                .next = now + interval});
    }
    cron_last_.resize(static_cast<std::size_t>(hub_->cron_count()), 0);
    for (int n = hub_->file_monitor_count(); monitors_seen_ < n; ++monitors_seen_) {
        if (!inotify_) {
            inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
            if (!inotify_) {
                spdlog::error("file monitors: {}", log::syscall_error("inotify_init1", "", errno));
                monitors_seen_ = n;
                return;
            }
        }
        std::string path = hub_->file_monitor_path(monitors_seen_);
        // uWSGI's mask: the file (or a directory's entries) changed, appeared, went or moved.
        int wd = ::inotify_add_watch(inotify_.get(), path.c_str(),
                                     IN_ATTRIB | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MODIFY |
                                         IN_MOVE_SELF | IN_MOVED_FROM | IN_MOVED_TO);
        if (wd < 0) {
            spdlog::error("file monitor for signal {}: {}", hub_->file_monitor_signal(monitors_seen_),
                          log::syscall_error("inotify_add_watch", path, errno));
            continue;
        }
        watch_signals_.emplace(wd, hub_->file_monitor_signal(monitors_seen_));
    }
}

void SignalDispatcher::read_file_events() {
    alignas(inotify_event) char buf[8192];
    std::set<int> fired;  // one signal per watch per batch of events
    for (;;) {
        ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            fired.insert(ev->wd);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
    }
    for (int wd : fired) {
        auto [begin, end] = watch_signals_.equal_range(wd);
        for (auto it = begin; it != end; ++it) route(it->second);
    }
}

void SignalDispatcher::tick(Clock::time_point now, std::time_t wall) {
    if (!hub_) return;
    sync_sources(now);
    for (Timer& t : timers_) {
        if (t.iterations > 0 && t.done >= t.iterations) continue;
        if (now < t.next) continue;
        route(t.signal);
        ++t.done;
        t.next += t.interval;
        if (t.next <= now) t.next = now + t.interval;  // the master was busy: no burst of catch-ups
    }
    if (cron_last_.empty()) return;
    std::tm local{};
    if (::localtime_r(&wall, &local) == nullptr) return;
    for (std::size_t i = 0; i < cron_last_.size(); ++i) {
        SignalCron c = hub_->cron(static_cast<int>(i));
        // As uWSGI: a match fires once per minute at most.
        if (!cron::matches(local, c.when) || wall - cron_last_[i] < 60) continue;
        cron_last_[i] = wall;
        spdlog::info("[uwsgi-cron] routing signal {}", c.signal);
        route(c.signal);
    }
}

int SignalDispatcher::wait_ms(Clock::time_point now, int cap_ms) const {
    int ms = cap_ms;
    for (const Timer& t : timers_) {
        if (t.iterations > 0 && t.done >= t.iterations) continue;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t.next - now).count();
        ms = std::min<int>(ms, static_cast<int>(std::max<long long>(0, left + 1)));
    }
    return ms;
}

}  // namespace appserver
