#include "worker/uwsgi_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "appserver/ascii.h"
#include "proto/uwsgi_packet.h"
#include "worker/exchange.h"
#include "worker/static_serve.h"
#include "worker/worker_stats.h"

namespace appserver {
namespace {

using ascii::iequals;

// The client as the log names it: the front-end's REMOTE_ADDR is not known yet, so the socket peer.
std::string peer_name(const Connection& conn) {
    return conn.peer.remote_addr.empty() ? conn.listener->bound_name : conn.peer.remote_addr;
}

// nginx says https with HTTPS=on (uwsgi_params) and REQUEST_SCHEME; a trusted proxy's
// X-Forwarded-Proto (`forwarded`, from a TLS load balancer in front of nginx) overrides them, and
// UWSGI_SCHEME, set by the operator in nginx, overrides everything, `http` too, as in uWSGI (which
// takes any value verbatim; only https and http are schemes the app is served over, others are ignored).
std::string_view url_scheme(const Request& request, std::string_view forwarded) {
    std::string_view operator_scheme = request.var("UWSGI_SCHEME");
    if (iequals(operator_scheme, "https")) return "https";
    if (iequals(operator_scheme, "http")) return "http";
    if (!forwarded.empty()) return forwarded;
    if (iequals(request.var("REQUEST_SCHEME"), "https")) return "https";
    std::string_view https = request.var("HTTPS");
    if (iequals(https, "on") || https == "1") return "https";
    return "http";
}

// Exactly CONTENT_LENGTH bytes: those already read with the packet first, then from the socket.
class UwsgiBodyReader final : public BodyReader {
public:
    UwsgiBodyReader(Connection& conn, std::size_t body_start, std::uint64_t length, int timeout_ms)
        : conn_(conn), offset_(body_start), left_(length), timeout_ms_(timeout_ms) {}

    long read(char* buf, std::size_t size) override {
        if (size == 0 || left_ == 0) return 0;
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, left_));
        long n = 0;
        if (offset_ < conn_.input.size()) {
            n = static_cast<long>(std::min(want, conn_.input.size() - offset_));
            std::memcpy(buf, conn_.input.data() + offset_, static_cast<std::size_t>(n));
            offset_ += static_cast<std::size_t>(n);
        } else {
            n = read_body_bytes(conn_, buf, want, timeout_ms_);
            if (n < 0) return -1;  // the front-end went away or stalled in the middle of the body
        }
        left_ -= static_cast<std::uint64_t>(n);
        return n;
    }

private:
    Connection& conn_;
    std::size_t offset_;
    std::uint64_t left_;
    int timeout_ms_;
};

}  // namespace

Session::Next UwsgiSession::on_input(Connection& conn, const char* data, std::size_t size) {
    // One request per connection: after it, the loop discards input itself (closing).
    if (conn.state != ConnState::reading_request) return Next::wait;
    conn.input.append(data, size);
    thread_local UwsgiPacket packet;
    std::string error;
    switch (parse_uwsgi_packet(conn.input, limits_.max_head_size, packet, error)) {
        case UwsgiParseStatus::incomplete: return Next::wait;
        case UwsgiParseStatus::error:
            spdlog::warn("{} on uwsgi socket {}: {}; connection closed", peer_name(conn),
                         conn.listener->bound_name, error);
            return Next::close;
        case UwsgiParseStatus::complete: break;
    }
    if (limits_.max_body > 0 && packet.content_length > limits_.max_body) {
        // As on the HTTP port: refused from the length alone, the body is never read into memory.
        spdlog::info("{} on uwsgi socket {}: CONTENT_LENGTH {} over limit-post {} -> 413", peer_name(conn),
                     conn.listener->bound_name, packet.content_length, limits_.max_body);
        if (settings_.access_log) {
            log::AccessRecord record;
            log::fill_from_vars(record, packet.vars);
            std::string peer = peer_name(conn);
            if (record.addr.empty()) record.addr = peer;
            if (record.proto.empty()) record.proto = "HTTP/1.0";
            record.method = find_var(packet.vars, "REQUEST_METHOD").value_or("");
            record.uri = find_var(packet.vars, "REQUEST_URI").value_or("");
            record.status = 413;
            record.start_us = record.end_us = log::wall_clock_us();
            log::access_log().write(record);
        }
        queue_server_answer(conn, settings_, 413, false);
        conn.state = ConnState::closing;
        return Next::wait;
    }
    // post-buffering, as on the HTTP port: a small body is read by the loop before the app runs
    // (nginx buffers bodies already; a front-end that streams one slowly then costs no worker).
    std::size_t body_here = conn.input.size() - packet.head_size;
    if (packet.content_length > body_here && packet.content_length <= settings_.post_buffering) {
        if (!conn.body_ahead) {
            conn.body_ahead = true;
            conn.phase_since = Clock::now();  // the body has http-timeout in all (Worker's sweep)
        }
        return Next::wait;
    }
    return Next::serve;
}

void UwsgiSession::on_peer_closed(const Connection& conn) {
    if (conn.input.empty()) return;
    spdlog::warn(
        "{} on uwsgi socket {}: connection closed in the middle of a uwsgi packet ({} bytes received)",
        peer_name(conn), conn.listener->bound_name, conn.input.size());
}

std::optional<ConnState> UwsgiSession::serve_static(Connection& conn, bool) {
    if (!settings_.statics) return std::nullopt;
    std::int64_t started_us = settings_.access_log ? log::wall_clock_us() : 0;
    thread_local UwsgiPacket packet;
    std::string error;
    if (parse_uwsgi_packet(conn.input, limits_.max_head_size, packet, error) != UwsgiParseStatus::complete)
        return std::nullopt;  // serve() says what is wrong
    auto var = [&](std::string_view name) { return find_var(packet.vars, name).value_or(std::string_view()); };
    StaticRequest request;
    request.method = find_var(packet.vars, "REQUEST_METHOD").value_or("GET");
    request.path = var("PATH_INFO");
    request.uri = var("REQUEST_URI");
    request.if_modified_since = var("HTTP_IF_MODIFIED_SINCE");
    request.if_none_match = var("HTTP_IF_NONE_MATCH");
    request.range = var("HTTP_RANGE");
    request.if_range = var("HTTP_IF_RANGE");
    request.accept_encoding = var("HTTP_ACCEPT_ENCODING");
    if (request.method != "GET" && request.method != "HEAD") return std::nullopt;

    RequestFacts facts;
    facts.head_method = request.method == "HEAD";
    facts.http11 = false;
    facts.keep_alive = false;
    HttpResponseWriter response(conn, settings_.exchange, facts);
    std::string client = var("REMOTE_ADDR").empty() ? peer_name(conn) : std::string(var("REMOTE_ADDR"));
    if (!serve_static_file(*settings_.statics, request, response, client)) return std::nullopt;
    ++conn.requests_served;
    if (settings_.served) settings_.served->fetch_add(1, std::memory_order_relaxed);
    worker_stats::count_static(response.status(), response.bytes_out());
    if (settings_.access_log) {
        log::AccessRecord record;
        log::fill_from_vars(record, packet.vars);
        record.addr = client;
        if (record.proto.empty()) record.proto = "HTTP/1.0";
        record.method = request.method;
        record.uri = request.uri;
        record.start_us = started_us;
        record.via = log::Via::static_file;
        log_access(record, response);
    }
    return ConnState::closing;
}

ConnState UwsgiSession::serve(Connection& conn, bool) {
    std::int64_t started_us = settings_.access_log ? log::wall_clock_us() : 0;
    thread_local UwsgiPacket packet;
    std::string error;
    if (parse_uwsgi_packet(conn.input, limits_.max_head_size, packet, error) != UwsgiParseStatus::complete) {
        spdlog::warn("{} on uwsgi socket {}: {}", peer_name(conn), conn.listener->bound_name, error);
        return ConnState::closing;
    }

    // WSGI needs these; nginx sends them all, other front-ends may not.
    CgiVarList vars = packet.vars;
    std::string server_port = std::to_string(conn.peer.local_port);
    if (!find_var(vars, "REQUEST_METHOD")) vars.emplace_back("REQUEST_METHOD", "GET");
    if (!find_var(vars, "SERVER_PROTOCOL")) vars.emplace_back("SERVER_PROTOCOL", "HTTP/1.0");
    if (!find_var(vars, "SERVER_NAME")) vars.emplace_back("SERVER_NAME", conn.peer.local_addr);
    if (!find_var(vars, "SERVER_PORT")) vars.emplace_back("SERVER_PORT", server_port);
    if (!find_var(vars, "REMOTE_ADDR")) vars.emplace_back("REMOTE_ADDR", conn.peer.remote_addr);
    std::string_view method = find_var(vars, "REQUEST_METHOD").value_or("");

    // The response is plain HTTP that ends with the connection: nginx (and uWSGI's other
    // front-ends) read it so; Content-Length is still sent when known.
    RequestFacts facts;
    facts.head_method = method == "HEAD";
    facts.http11 = false;
    facts.keep_alive = false;

    UwsgiBodyReader body(conn, packet.head_size, packet.content_length, settings_.exchange.io_timeout_ms);
    HttpResponseWriter response(conn, settings_.exchange, facts);
    Request request;
    request.vars = std::move(vars);
    // forwarded-allow-ips is checked against the client the front-end names (its REMOTE_ADDR): the
    // front-end itself is trusted by the uwsgi protocol, which lets it set REMOTE_ADDR and HTTPS.
    // `forwarded` backs request.vars' views.
    std::string_view front_end_client = request.var("REMOTE_ADDR");
    ForwardedFacts forwarded =
        resolve_forwarded(settings_.trusted_proxies, front_end_client,
                          front_end_client.empty() && conn.listener->address.is_unix, request.vars);
    apply_forwarded_client(forwarded, request.vars);
    request.url_scheme = url_scheme(request, forwarded.scheme);
    request.body = &body;

    std::string_view uri = request.var("REQUEST_URI");
    run_application(runtime_, request, response, conn, settings_, method, uri);
    if (packet.content_length == 0 && conn.input.size() > packet.head_size) {
        // A body nobody announced: the packet and the stream disagree; the connection closes anyway.
        spdlog::warn("{} on uwsgi socket {}: {} bytes after a packet without CONTENT_LENGTH; ignored",
                     peer_name(conn), conn.listener->bound_name, conn.input.size() - packet.head_size);
    }
    ++conn.requests_served;
    if (settings_.access_log) {
        log::AccessRecord record;
        log::fill_from_vars(record, request.vars);
        record.method = method;
        record.uri = uri;
        record.start_us = started_us;
        log_access(record, response);
    }
    // The response ends with the connection. What the app left unread of the body is discarded by
    // the event loop while it closes (nginx may still be sending it; a reset could cost the response).
    return ConnState::closing;
}

}  // namespace appserver
