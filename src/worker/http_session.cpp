#include "worker/http_session.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "proto/cgi_vars.h"
#include "proto/http_status.h"

namespace appserver {
namespace {

// Returns true when the connection may carry another request.
bool serve_one(Connection& conn, AppRuntime& runtime, const SessionSettings& settings, bool stopping) {
    auto started = Clock::now();
    const HttpHead& head = conn.parser.head();
    RequestFacts facts;
    facts.head_method = head.method == "HEAD";
    facts.http11 = head.version_minor == 1;
    facts.keep_alive = head.keep_alive && settings.exchange.keepalive_enabled && !stopping;

    thread_local CgiVars vars;
    vars.build(head, conn.peer);
    HttpBodyReader body(conn, settings.exchange);
    HttpResponseWriter response(conn, settings.exchange, facts);
    Request request;
    request.vars = vars.vars();
    request.url_scheme = "http";
    request.body = &body;

    run_application(runtime, request, response, conn, settings, head.method, head.url);
    bool keep = response.finished() && response.keep_alive();
    if (keep && conn.parser.state() != HttpRequestParser::State::complete) keep = body.drain(settings.max_drain);
    if (settings.access_log)
        log_access(conn.peer.remote_addr, head.method, head.url, head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1",
                   response.status(), response.body_bytes(), started);
    return keep;
}

}  // namespace

void run_application(AppRuntime& runtime, Request& request, HttpResponseWriter& response, Connection& conn,
                     const SessionSettings& settings, std::string_view method, std::string_view uri) {
    {
        Harakiri::Guard watchdog(settings.harakiri, conn.fd.get(),
                                 settings.harakiri ? std::string(method) + " " + std::string(uri) : std::string(),
                                 &response.gate());
        runtime.handle(request, response);
    }
    if (settings.served) settings.served->fetch_add(1, std::memory_order_relaxed);
    // The runtime answers application errors itself; this is the last line of defence.
    if (!response.started()) response.send_simple(500, reason_phrase(500), true);
}

void log_access(std::string_view remote, std::string_view method, std::string_view uri, std::string_view protocol,
                int status, std::uint64_t bytes, Clock::time_point started) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    spdlog::info("{} \"{} {} {}\" {} {} {:.3f}ms", remote, method, uri, protocol, status, bytes,
                 static_cast<double>(us) / 1000.0);
}

void answer_parse_error(Connection& conn, const SessionSettings& settings) {
    const HttpRequestParser& p = conn.parser;
    RequestFacts facts;
    facts.keep_alive = false;
    facts.http11 = true;
    HttpResponseWriter response(conn, settings.exchange, facts);
    response.send_simple(p.error_status(), reason_phrase(p.error_status()), true);
    spdlog::info("{} bad request: {} -> {}", conn.peer.remote_addr, p.error_reason(), p.error_status());
    // Closing with unread bytes would reset the connection and could destroy the answer in
    // flight: say we are done, and discard what already arrived (never waiting for more).
    conn.output.flush_blocking(conn.fd.get(), settings.exchange.io_timeout_ms);
    ::shutdown(conn.fd.get(), SHUT_WR);
    char sink[16384];
    for (int i = 0; i < 16 && ::recv(conn.fd.get(), sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
    }
}

SessionResult serve_ready_requests(Connection& conn, AppRuntime& runtime, const SessionSettings& settings,
                                   bool stopping) {
    for (;;) {
        conn.feed_input();
        switch (conn.parser.state()) {
            case HttpRequestParser::State::head: return SessionResult::need_more;
            case HttpRequestParser::State::error: answer_parse_error(conn, settings); return SessionResult::close;
            default: break;
        }
        if (conn.parser.head().chunked && conn.parser.limits().max_body > 0) {
            HttpBodyReader body(conn, settings.exchange);
            if (!body.prefetch()) {
                if (conn.parser.state() == HttpRequestParser::State::error) answer_parse_error(conn, settings);
                return SessionResult::close;
            }
        }
        if (!serve_one(conn, runtime, settings, stopping)) return SessionResult::close;
        ++conn.requests_served;
        conn.body_taken = 0;
        conn.parser.next_request();
        conn.last_activity = Clock::now();
    }
}

}  // namespace appserver
