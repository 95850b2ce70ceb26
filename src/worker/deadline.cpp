#include "worker/deadline.h"

namespace appserver {

bool past_deadline(const Connection& conn, const Deadlines& limits, bool stopping, Clock::time_point now) {
    using std::chrono::seconds;
    auto quiet = now - conn.last_activity;
    auto phase = now - conn.phase_since;
    switch (conn.state) {
        case ConnState::in_app: return false;
        case ConnState::reading_request:
            if (conn.idle()) {
                // Stopping: an idle keep-alive connection goes now; a new one whose request is
                // still on its way gets a moment (it connected before we stopped listening).
                if (stopping && (conn.requests_served > 0 || quiet >= seconds(2))) return true;
                if (conn.requests_served > 0) return quiet >= limits.keepalive;
            }
            // A large upload spooled to a file (under limit-post) may take longer than http-timeout
            // in all on a slow link; it holds a descriptor and disk, not a worker: silence counts,
            // as for nginx's client_body_timeout.
            if (conn.spool.active()) return quiet >= limits.request;
            // A head in progress (or a new connection's first), or a body read ahead in memory: a
            // total, so that a client sending one byte now and then cannot keep the connection
            // (slowloris).
            return phase >= limits.request;
        case ConnState::draining_body: return phase >= limits.request;
        case ConnState::writing_behind: return quiet >= limits.request;
        case ConnState::closing:
            if (!conn.write_shut) return quiet >= limits.request;
            if (stopping && quiet >= seconds(1)) return true;
            return quiet >= kLingerQuiet || now - conn.closing_since >= kLingerTotal;
    }
    return true;
}

}  // namespace appserver
