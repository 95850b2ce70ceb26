// What the master tells and watches of its workers (Arbiter, continued from arbiter.cpp): the
// stats snapshot and its renderings, the status line, the once-a-second look at the listen queues,
// and the cheaper algorithm's worker count.

#include <spdlog/spdlog.h>
#include <signal.h>

#include "master/arbiter.h"
#include "os/listen_queue.h"
#include "stats/prometheus.h"
#include "stats/uwsgi_json.h"
#include "stats/worker_table.h"

namespace appserver {

stats::StatsSnapshot Arbiter::snapshot() {
    stats::MasterFacts facts;
    facts.version = APPSERVER_VERSION;
    facts.runtime = runtime_ ? runtime_->describe() : std::string();
    facts.started_unix = started_unix_;
    facts.listen_queue_errors = listen_queue_full_;
    facts.stopping = stopping_;
    for (const ListenSocket& l : listeners_) {
        ListenQueue q = read_listen_queue(l.fd.get(), l.address.is_unix);
        facts.sockets.push_back({.name = l.bound_name,
                                 .proto = l.protocol == Protocol::http ? "http" : "uwsgi",
                                 .queue_known = q.known,
                                 .queue = q.queue,
                                 .max_queue = q.max_queue});
    }
    for (const Slot& s : slots_) facts.workers.emplace_back(s.id, s.pid);
    facts.spoolers = spoolers_.snapshot();
    return stats::take_snapshot(harakiri_backstop_.board(), facts);
}

std::string Arbiter::render_stats(StatsServer::Document document) {
    stats::StatsSnapshot s = snapshot();
    return document == StatsServer::Document::prometheus ? stats::render_prometheus(s)
                                                         : stats::render_uwsgi_json(s);
}

// Once a second, as uWSGI's master does: a full accept queue means connections are being dropped
// (or delayed by SYN retries); it is counted (listen_queue_errors) and logged once per episode.
void Arbiter::check_listen_queues() {
    queue_was_full_.resize(listeners_.size(), false);
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        const ListenSocket& l = listeners_[i];
        ListenQueue q = read_listen_queue(l.fd.get(), l.address.is_unix);
        bool full = q.known && q.queue > 0 && q.queue >= q.max_queue;
        if (full) {
            ++listen_queue_full_;
            if (!queue_was_full_[i])
                spdlog::warn("listen queue of socket {} full ({}/{}): clients wait or are refused", l.bound_name,
                             q.queue, q.max_queue);
        }
        queue_was_full_[i] = full;
    }
}

void Arbiter::adapt_worker_count() {
    if (!cheaper_.settings().enabled() || !runtime_ || !serving_) return;
    CheaperView view;
    const Scoreboard* board = harakiri_backstop_.board();
    auto busy = [board](int id) {
        if (board == nullptr) return false;
        for (const RequestSlot& r : board->requests(id))
            if (r.in_request.load(std::memory_order_relaxed) != 0) return true;
        return false;
    };
    for (const Slot& s : slots_) {
        if (s.cheap) {
            ++view.cheap;
        } else if (s.pid > 0) {
            ++view.active;
            if (busy(s.id)) ++view.busy;
        }
    }
    for (const ListenSocket& l : listeners_) {
        ListenQueue q = read_listen_queue(l.fd.get(), l.address.is_unix);
        if (q.known) view.backlog += static_cast<int>(q.queue);
    }
    int decision = cheaper_.decide(view);
    auto now = Clock::now();
    for (Slot& s : slots_) {
        if (decision <= 0) break;
        if (!s.cheap) continue;
        s.cheap = false;
        s.next_spawn = now;
        --decision;
        spdlog::info("cheaper: {} of {} workers busy (listen queue {}): starting worker {}", view.busy, view.active,
                     view.backlog, s.id);
    }
    if (decision < 0) {
        // The idlest: an idle worker that has run the longest (uWSGI stops the oldest idle one).
        Slot* victim = nullptr;
        for (Slot& s : slots_)
            if (!s.cheap && s.pid > 0 && s.ready && !busy(s.id) && (!victim || s.started < victim->started))
                victim = &s;
        if (victim == nullptr) return;
        spdlog::info("cheaper: {} of {} workers busy: stopping worker {} (pid {})", view.busy, view.active, victim->id,
                     victim->pid);
        victim->cheap = true;
        ::kill(victim->pid, SIGTERM);  // finishes what it has, then leaves
        retiring_.add(victim->pid, now + std::chrono::seconds(settings_.mercy_s));
        victim->pid = 0;
        victim->ready = false;
    }
}

std::string Arbiter::status_line() const {
    const Scoreboard* board = harakiri_backstop_.board();
    int workers = 0, busy = 0;
    for (const Slot& s : slots_) {
        if (s.pid <= 0) continue;
        ++workers;
        if (board == nullptr) continue;
        for (const RequestSlot& r : board->requests(s.id))
            if (r.in_request.load(std::memory_order_relaxed) != 0) {
                ++busy;
                break;
            }
    }
    return worker_status_line(workers, busy);
}

void Arbiter::dump_worker_table() {
    for (const std::string& line : stats::render_worker_table(snapshot())) spdlog::info("{}", line);
}

}  // namespace appserver
