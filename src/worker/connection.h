#pragma once
// One client connection as a worker holds it: socket, unparsed input, parser state, timers.

#include <chrono>
#include <cstdint>
#include <string>

#include "os/listen_socket.h"
#include "os/unique_fd.h"
#include "proto/cgi_vars.h"
#include "proto/http_parser.h"
#include "worker/output_buffer.h"

namespace appserver {

using Clock = std::chrono::steady_clock;

struct Connection {
    Connection(UniqueFd socket, PeerInfo peer_info, const ListenSocket& from, const RequestLimits& limits)
        : fd(std::move(socket)), peer(std::move(peer_info)), listener(&from), parser(limits) {}

    UniqueFd fd;
    PeerInfo peer;
    const ListenSocket* listener;
    HttpRequestParser parser;
    std::string input;          // bytes read but not yet fed to the parser (pipelined requests)
    std::size_t body_taken = 0; // bytes of parser.body() the application has already read
    Clock::time_point last_activity = Clock::now();
    bool busy = false;          // a request thread owns it
    bool in_epoll = false;      // registered with the worker's epoll
    std::uint32_t watched = 0;  // the epoll events it is registered for
    OutputBuffer output;        // response bytes the client has not taken yet
    bool close_after_flush = false;
    int requests_served = 0;
    bool should_close = false;  // set by a request thread: close once handed back

    // Feeds buffered input to the parser; whatever the parser leaves (the next request) stays.
    void feed_input() {
        if (input.empty()) return;
        std::size_t used = parser.feed(input.data(), input.size());
        input.erase(0, used);
    }
    // The connection sits between requests with nothing received yet.
    bool idle() const {
        return parser.state() == HttpRequestParser::State::head && parser.head_size() == 0 && input.empty() &&
               output.empty();
    }
};

}  // namespace appserver
