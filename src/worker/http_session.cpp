#include "worker/http_session.h"

#include <spdlog/spdlog.h>

#include "appserver/ascii.h"
#include "proto/cgi_vars.h"
#include "worker/static_serve.h"
#include "worker/worker_stats.h"

namespace appserver {
namespace {

constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

// Drops the body bytes the parser holds that the application did not take.
void discard_body(Connection& conn) {
    std::string& body = conn.parser->body();
    conn.body_discarded += body.size() - conn.body_taken + conn.spool.unread();
    body.clear();
    conn.body_taken = 0;
    conn.spool.reset();
}

// The value of header `name` (repeated ones joined with ", "); "" when absent.
std::string_view header_value(const HttpHead& head, std::string_view name, std::string& joined) {
    std::string_view found;
    bool several = false;
    for (const auto& [key, value] : head.headers) {
        if (!ascii::iequals(key, name)) continue;
        if (found.data() == nullptr) {
            found = value;
        } else {
            if (!several) joined.assign(found);
            several = true;
            joined += ", ";
            joined += value;
        }
    }
    return several ? std::string_view(joined) : found;
}

// The request is over (answered, its body consumed): the connection waits for the next one.
void finish_request(Connection& conn) {
    ++conn.requests_served;
    conn.body_taken = 0;
    conn.body_discarded = 0;
    conn.continue_sent = false;
    conn.body_ahead = false;
    conn.parser->next_request();
    conn.last_activity = Clock::now();
}

}  // namespace

void run_application(AppRuntime& runtime, Request& request, HttpResponseWriter& response, Connection& conn,
                     const SessionSettings& settings, std::string_view method, std::string_view uri) {
    worker_stats::RequestScope stats(method, uri);
    {
        Harakiri::Guard watchdog(settings.harakiri, conn.fd.get(), method, uri, &response.gate());
        runtime.handle(request, response);
        // The runtime leaves such a child itself; this covers any other runtime.
        if (forked_by_application()) leave_forked_child(1);
    }
    if (settings.served) settings.served->fetch_add(1, std::memory_order_relaxed);
    // The runtime answers application errors itself; this is the last line of defence (after the
    // application call, so it must not wait for the client).
    if (!response.started()) {
        response.never_wait();
        response.send_simple(500, true);
    }
    stats.finish(response.status(), response.bytes_out(), response.exception(), response.write_failed());
}

void log_access(log::AccessRecord& record, const HttpResponseWriter& response) {
    record.end_us = log::wall_clock_us();
    record.status = response.status();
    record.body_bytes = response.body_bytes();
    record.head_bytes = response.head_bytes();
    record.header_count = response.header_count();
    if (response.sent_file() && record.via == log::Via::app) record.via = log::Via::sendfile;
    log::access_log().write(record);
}

bool queue_server_answer(Connection& conn, const SessionSettings& settings, int status, bool http11) {
    worker_stats::count_refusal(status);
    RequestFacts facts;
    facts.keep_alive = false;
    facts.http11 = http11;
    HttpResponseWriter response(conn, settings.exchange, facts);
    response.never_wait();  // the event loop never waits for a client
    return response.send_simple(status, true);
}

HttpSession::Ready HttpSession::check_request(Connection& conn) {
    if (!conn.parser && conn.input.empty()) return Ready::wait;
    conn.feed_input();
    HttpRequestParser& p = conn.http();
    switch (p.state()) {
        case HttpRequestParser::State::head: return Ready::wait;
        case HttpRequestParser::State::complete: return Ready::serve;
        case HttpRequestParser::State::error:
            // Once framing is in doubt nothing more is read: answer, then close (lingering, so the
            // answer is not lost to a reset).
            spdlog::info("{} bad request: {} -> {}", conn.peer.remote_addr, p.error_reason(),
                         p.error_status());
            queue_server_answer(conn, settings_, p.error_status(), true);
            return Ready::refused;
        case HttpRequestParser::State::body: break;
    }
    if (!reads_body_ahead(p)) return Ready::serve;
    if (!conn.body_ahead) {
        // The head is complete: the body has http-timeout in all from here (Worker's sweep).
        conn.body_ahead = true;
        conn.phase_since = Clock::now();
    }
    // Past post-buffering (limit-post bounds it) the body goes to a temporary file, not memory.
    if (settings_.post_buffering > 0 && (conn.spool.active() || p.body().size() > settings_.post_buffering)) {
        std::string error;
        if (!conn.spool.append(p.body(), error)) {
            spdlog::error("{}: request body not kept: {} -> 500", conn.peer.remote_addr, error);
            queue_server_answer(conn, settings_, 500, true);
            return Ready::refused;
        }
        p.body().clear();
    }
    // The client may wait for this before sending the body; the app will not ask for it.
    if (p.head().expect_continue && p.head().version_minor == 1 && !conn.continue_sent) {
        conn.continue_sent = true;
        iovec iov{const_cast<char*>(kContinue), sizeof kContinue - 1};
        if (!conn.output.send(conn.fd.get(), &iov, 1, 0, settings_.exchange.output)) return Ready::refused;
    }
    return Ready::wait;
}

// Whether the loop goes on reading the body of a request whose head is complete (parser in body
// state) before the app is called. Under limit-post a chunked body is read until it ends, so
// that an oversized one is refused (413) before the app runs, and so is every body when
// post-buffering is on too: in memory up to post-buffering, past it in a temporary file
// (check_request). Without limit-post, a body of known length is read whole if it fits
// post-buffering, else streamed to the app from the start; a chunked one is read until it ends or
// fills post-buffering, and the app reads the rest.
bool HttpSession::reads_body_ahead(HttpRequestParser& p) const {
    bool limited = p.limits().max_body > 0;
    if (p.head().chunked && limited) return true;
    if (settings_.post_buffering == 0) return false;
    if (limited) return true;
    if (p.head().content_length) return *p.head().content_length <= settings_.post_buffering;
    return p.head().chunked && p.body().size() < settings_.post_buffering;
}

ConnState HttpSession::after_body(Connection& conn) {
    conn.feed_input();
    discard_body(conn);
    switch (conn.parser->state()) {
        case HttpRequestParser::State::complete: finish_request(conn); return ConnState::reading_request;
        case HttpRequestParser::State::error: return ConnState::closing;
        default: break;
    }
    // Past max_drain the body costs more than a new connection: close instead.
    if (conn.body_discarded > settings_.max_drain || conn.peer_closed) return ConnState::closing;
    return ConnState::draining_body;
}

bool HttpSession::may_send_more(const Connection& conn) const {
    if (!conn.input.empty()) return true;
    if (!conn.parser) return false;
    switch (conn.parser->state()) {
        case HttpRequestParser::State::complete: return false;
        case HttpRequestParser::State::head: return conn.parser->begun();
        default: return true;
    }
}

Session::Next HttpSession::on_input(Connection& conn, const char* data, std::size_t size) {
    if (size > 0) conn.take_http(data, size);
    if (conn.state == ConnState::draining_body) {
        conn.state = after_body(conn);
        if (conn.state != ConnState::reading_request) return Next::wait;
    }
    if (conn.state != ConnState::reading_request) return Next::wait;
    switch (check_request(conn)) {
        case Ready::wait: return Next::wait;
        case Ready::serve: return Next::serve;
        case Ready::refused: conn.state = ConnState::closing; return Next::wait;
    }
    return Next::wait;
}

// A static file for this request (HEAD or GET naming one): answered, counted and logged like any
// request; nullopt when the application is to answer. The value: the connection may carry more.
std::optional<bool> HttpSession::serve_one_static(Connection& conn, bool stopping) {
    if (!settings_.statics) return std::nullopt;
    const HttpHead& head = conn.parser->head();
    if (head.method != "GET" && head.method != "HEAD") return std::nullopt;
    std::int64_t started_us = settings_.access_log ? log::wall_clock_us() : 0;
    std::string_view rest = head.target_rest();
    std::string_view path = rest.substr(0, rest.find_first_of("?#"));
    if (head.target_form == TargetForm::asterisk || !path.starts_with('/')) return std::nullopt;
    std::string decoded = percent_decode(path);
    std::string joined_inm, joined_ae, unused;
    StaticRequest request;
    request.method = head.method;
    request.path = decoded;
    request.uri = rest;
    request.if_modified_since = header_value(head, "if-modified-since", unused);
    request.if_none_match = header_value(head, "if-none-match", joined_inm);
    request.range = header_value(head, "range", unused);
    request.if_range = header_value(head, "if-range", unused);
    request.accept_encoding = header_value(head, "accept-encoding", joined_ae);

    RequestFacts facts;
    facts.head_method = head.method == "HEAD";
    facts.http11 = head.version_minor == 1;
    facts.keep_alive = head.keep_alive && settings_.exchange.keepalive_enabled && !stopping;
    HttpResponseWriter response(conn, settings_.exchange, facts);
    if (!serve_static_file(*settings_.statics, request, response, conn.peer.remote_addr)) return std::nullopt;
    if (settings_.served) settings_.served->fetch_add(1, std::memory_order_relaxed);
    worker_stats::count_static(response.status(), response.bytes_out());
    if (settings_.access_log) {
        log::AccessRecord record;
        record.addr = conn.peer.remote_addr;
        record.method = head.method;
        record.uri = head.url;
        record.proto = head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
        std::string joined;
        record.host = header_value(head, "host", joined);
        std::string joined_referer, joined_agent;
        record.referer = header_value(head, "referer", joined_referer);
        record.uagent = header_value(head, "user-agent", joined_agent);
        record.start_us = started_us;
        record.via = log::Via::static_file;
        log_access(record, response);
    }
    return response.finished() && response.keep_alive();
}

bool HttpSession::serve_one(Connection& conn, bool stopping, bool try_static) {
    // A pipelined request for a static file behind one for the application: still not the app's.
    if (try_static)
        if (auto keep = serve_one_static(conn, stopping)) return *keep;
    std::int64_t started_us = settings_.access_log ? log::wall_clock_us() : 0;
    const HttpHead& head = conn.parser->head();
    RequestFacts facts;
    facts.head_method = head.method == "HEAD";
    facts.http11 = head.version_minor == 1;
    facts.keep_alive = head.keep_alive && settings_.exchange.keepalive_enabled && !stopping;

    thread_local CgiVars vars;
    vars.build(head, conn.peer);
    HttpBodyReader body(conn, settings_.exchange);
    HttpResponseWriter response(conn, settings_.exchange, facts);
    Request request;
    request.vars = vars.vars();
    request.url_scheme = "http";
    request.body = &body;
    // A trusted front proxy's X-Forwarded-* (forwarded-allow-ips); `forwarded` backs request.vars' views.
    ForwardedFacts forwarded = resolve_forwarded(settings_.trusted_proxies, conn.peer.remote_addr,
                                                 conn.listener->address.is_unix, request.vars);
    apply_forwarded_client(forwarded, request.vars);
    if (!forwarded.scheme.empty()) request.url_scheme = forwarded.scheme;

    run_application(runtime_, request, response, conn, settings_, head.method, head.url);
    if (settings_.access_log) {
        log::AccessRecord record;
        log::fill_from_vars(record, request.vars);
        record.method = head.method;
        record.uri = head.url;
        record.proto = head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
        record.start_us = started_us;
        log_access(record, response);
    }
    return response.finished() && response.keep_alive();
}

// After a response that leaves the connection open: reading_request when the next request may be
// looked at now.
ConnState HttpSession::after_response(Connection& conn) {
    conn.phase_since = Clock::now();  // an unread body is discarded for http-timeout in all
    // Nothing below waits for the client: an unread body is discarded from what is buffered,
    // and the event loop discards the rest as it arrives (draining_body).
    if (conn.body_awaits_continue()) return ConnState::closing;  // no body is coming
    ConnState next = after_body(conn);
    if (next != ConnState::reading_request) return next;
    // Pipelined requests wait until the client has taken this response.
    if (!conn.output.empty()) return ConnState::writing_behind;
    return ConnState::reading_request;
}

std::optional<ConnState> HttpSession::serve_static(Connection& conn, bool stopping) {
    std::optional<bool> keep = serve_one_static(conn, stopping);
    if (!keep) return std::nullopt;
    if (!*keep) return ConnState::closing;
    return after_response(conn);
}

ConnState HttpSession::serve(Connection& conn, bool stopping) {
    // The first request was looked up already (Worker::dispatch asks serve_static first).
    for (bool first = true;; first = false) {
        if (!serve_one(conn, stopping, !first)) return ConnState::closing;
        ConnState next = after_response(conn);
        if (next != ConnState::reading_request) return next;
        switch (check_request(conn)) {
            case Ready::wait: return ConnState::reading_request;
            case Ready::refused: return ConnState::closing;
            case Ready::serve: break;
        }
    }
}

}  // namespace appserver
