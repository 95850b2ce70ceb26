#pragma once
// One client connection as a worker holds it: socket, state, unparsed input, parser, timers; and the
// Session interface each protocol (HTTP, uwsgi) implements over it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "os/fork_count.h"
#include "os/listen_socket.h"
#include "os/unique_fd.h"
#include "proto/cgi_vars.h"
#include "proto/http_parser.h"
#include "worker/body_spool.h"
#include "worker/output_buffer.h"
#include "worker/parser_pool.h"

namespace appserver {

using Clock = std::chrono::steady_clock;

// Where a connection is. Only in_app may block (the application runs, inline or on a request
// thread); in every other state the event loop owns the connection and never waits on it.
enum class ConnState {
    reading_request,  // the loop reads until a request can be handed over: its head, then a body of
                      // up to post-buffering bytes (a chunked one up to limit-post too), so the app
                      // never waits for it (body_ahead); between requests it is idle here
    in_app,           // the application serves it; the loop does not touch it
    draining_body,    // the response is done; the loop discards the body the app left unread (up to
                      // max_drain) so the next request can follow on the same connection
    writing_behind,   // the response waits for the client to take it; the loop flushes it on EPOLLOUT
                      // and only then looks at the next request
    closing,          // no more requests: the loop flushes what is kept, shuts down its side and
                      // discards input until the peer closes (or the linger ends), so that unread
                      // bytes never turn the close into a reset that destroys the response
};

struct Connection {
    Connection(UniqueFd socket, PeerInfo peer_info, const ListenSocket& from,
               const RequestLimits& request_limits)
        : fd(std::move(socket)), peer(std::move(peer_info)), listener(&from), limits(&request_limits) {}
    // Its parser serves the thread's next connection (Connection: close loads make one per request).
    ~Connection() { parser_pool::give_back(std::move(parser)); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    UniqueFd fd;
    PeerInfo peer;
    const ListenSocket* listener;
    const RequestLimits* limits;
    ConnState state = ConnState::reading_request;  // written by the event loop thread only
    ConnState after_app = ConnState::closing;      // a request thread's Session::serve result
    // HTTP only: taken when a request's first bytes arrive, given back when the connection goes
    // idle (an idle connection holds no parser and no buffers; the thread keeps a few for reuse).
    std::unique_ptr<HttpRequestParser> parser;
    std::string input;                 // bytes read but not yet consumed (pipelined requests, a uwsgi packet)
    std::size_t body_taken = 0;        // bytes of parser->body() the application has already read
    BodySpool spool;                   // a body read ahead past post-buffering (within limit-post): it
                                       // comes before parser->body()'s bytes
    std::uint64_t body_discarded = 0;  // unread body bytes thrown away after the response
    bool continue_sent = false;        // "100 Continue" went out for the current request
    bool body_ahead = false;           // the loop is reading this request's body before the app runs
    bool peer_closed = false;          // the client will send nothing more (EOF seen)
    bool write_shut = false;           // closing: our side is shut down, waiting for the peer's close
    Clock::time_point last_activity = Clock::now();
    // http-timeout is a total from here, not a silence: the accept (first request) or the first
    // byte of a later request's head; the head's end while the loop reads the body ahead; the
    // response's end while an unread body is discarded.
    Clock::time_point phase_since = last_activity;
    Clock::time_point closing_since{};  // when the write side was shut down (linger limit)
    bool in_epoll = false;              // registered with the worker's epoll
    std::uint32_t watched = 0;          // the epoll events it is registered for
    OutputBuffer output;                // response bytes the client has not taken yet
    int requests_served = 0;
    // forks_so_far() at the accept: a fork since then may have left a copy of the socket in a
    // child, and only shutdown(), not close(), then ends the connection for the client.
    std::uint64_t forks_at_accept = forks_so_far();

    HttpRequestParser& http() {
        if (!parser) parser = parser_pool::take(*limits);
        return *parser;
    }
    // Feeds buffered input to the parser; whatever the parser leaves (the next request) stays.
    void feed_input() {
        if (input.empty()) return;
        std::size_t used = http().feed(input.data(), input.size());
        input.erase(0, used);
    }
    // Bytes from a read: fed to the parser straight from `data` when nothing is buffered, so only
    // what the parser leaves (a pipelined request) is copied into `input`.
    void take_http(const char* data, std::size_t size) {
        if (input.empty() && size > 0) {
            std::size_t used = http().feed(data, size);
            input.append(data + used, size - used);
        } else {
            input.append(data, size);
            feed_input();
        }
    }
    // Nothing of a request has arrived (between requests, or before the first).
    bool idle() const {
        return state == ConnState::reading_request && input.empty() && output.empty() &&
               (!parser || (parser->state() == HttpRequestParser::State::head && !parser->begun()));
    }
    // The client sent Expect: 100-continue and waits for it before sending the body, and none was
    // sent: the application answered without asking for the body, so none is coming and the
    // connection ends with this response (RFC 9110 10.1.1: the response says so).
    bool body_awaits_continue() const {
        return parser && parser->state() != HttpRequestParser::State::complete && parser->head().expect_continue &&
               !continue_sent && input.empty();
    }
    // An idle connection gives back what it allocated for earlier requests.
    void release_buffers() {
        parser_pool::give_back(std::move(parser));
        std::string().swap(input);
        spool.reset();
    }
};

// What a protocol does with a connection. on_input runs on the event loop and never blocks;
// serve runs the application (inline or on a request thread) and is the only thing that may.
class Session {
public:
    virtual ~Session() = default;
    enum class Next { wait, serve, close };
    // Bytes read by the loop for a connection in reading_request or draining_body (size 0:
    // re-examine what is buffered). May move the connection to another state (closing, with an
    // answer queued; reading_request after a drain). serve: hand it to the application.
    virtual Next on_input(Connection& conn, const char* data, std::size_t size) = 0;
    // The peer closed before a request was complete.
    virtual void on_peer_closed(const Connection& conn) = 0;
    // Closing: the peer may still be sending (an unread body, bytes after a refused request), so
    // the close must linger; false when the request was read to its end and nothing else came.
    virtual bool may_send_more(const Connection& conn) const = 0;
    // Serves what is ready and returns the state that follows (never in_app). It must not write
    // conn.state: on a request thread, the loop applies the result when it takes the connection back.
    virtual ConnState serve(Connection& conn, bool stopping) = 0;
    // Answers the request from the static files when it names one (docs/static.md), without the
    // application, and returns the state that follows (reading_request: look for a pipelined
    // request now). nullopt: not a static file, nothing was written; serve() it.
    virtual std::optional<ConnState> serve_static(Connection& conn, bool stopping) = 0;
};

}  // namespace appserver
