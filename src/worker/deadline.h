#pragma once
// When the event loop gives up on a connection: the timeouts of each state, as a pure decision
// (the time is an input) that the worker's once-a-second sweep applies.

#include <chrono>

#include "worker/connection.h"

namespace appserver {

struct Deadlines {
    std::chrono::seconds request{60};    // http-timeout: a whole head, a body read ahead, a drain
    std::chrono::seconds keepalive{15};  // http-keepalive: idle between requests
};

// Lingering close (as nginx's lingering_timeout and lingering_time): after shutting down its side,
// a closing connection discards input until the peer closes, this long without data at most, and
// this long in all.
inline constexpr auto kLingerQuiet = std::chrono::seconds(5);
inline constexpr auto kLingerTotal = std::chrono::seconds(30);

// True when the connection should be closed now. A request head, a body read ahead in memory and a
// body being discarded have http-timeout in total (from conn.phase_since), however steadily the
// client trickles; idle keep-alive, a body spooled to a file and a response the client does not
// take count silence instead (conn.last_activity). `stopping`: the worker is retiring, idle
// connections go at once.
bool past_deadline(const Connection& conn, const Deadlines& limits, bool stopping, Clock::time_point now);

}  // namespace appserver
