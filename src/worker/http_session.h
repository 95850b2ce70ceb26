#pragma once
// The HTTP protocol over one connection: the event loop's side (reading a request until it can be
// served, discarding an unread body after the response) and the application's side (serving the
// requests that are ready, pipelined ones in order, and saying what the connection does next).

#include <atomic>
#include <memory>
#include <optional>

#include "appserver/app_runtime.h"
#include "log/access_log.h"
#include "proto/forwarded.h"
#include "worker/connection.h"
#include "worker/exchange.h"
#include "static/static_map.h"
#include "worker/harakiri.h"

namespace appserver {

struct SessionSettings {
    ExchangeSettings exchange;
    bool access_log = true;             // false: no request can be logged (log::access_log().active())
    std::uint64_t max_drain = 1 << 20;  // unread request body we read and discard to keep a connection
    // post-buffering: a request body up to this size is read by the event loop before the
    // application is called, so the app never waits for a slow client (0: streamed to the app).
    std::uint64_t post_buffering = 64 * 1024;
    Harakiri* harakiri = nullptr;         // watchdog over each request (harakiri, set_user_harakiri)
    std::atomic<long>* served = nullptr;  // the worker's request count (max-requests)
    TrustedProxies trusted_proxies;       // forwarded-allow-ips (empty: X-Forwarded-* not believed)
    std::shared_ptr<const StaticConfig> statics;  // static-map & co.; null: none configured
};

// Runs the application for one request, whatever the protocol: under the harakiri watchdog,
// counted for max-requests, with a 500 when the runtime produced no response at all.
void run_application(AppRuntime& runtime, Request& request, HttpResponseWriter& response, Connection& conn,
                     const SessionSettings& settings, std::string_view method, std::string_view uri);

// Completes `record` (request side filled by the caller) with what `response` sent and when the
// request ended, and hands it to the access log, which decides whether it is written.
void log_access(log::AccessRecord& record, const HttpResponseWriter& response);

// An answer from the server itself (400, 413, 431...) with Connection: close, queued without
// waiting: it is small and goes out at once or is kept for the event loop. False: the client is gone.
bool queue_server_answer(Connection& conn, const SessionSettings& settings, int status, bool http11);

class HttpSession final : public Session {
public:
    HttpSession(AppRuntime& runtime, const SessionSettings& settings)
        : runtime_(runtime), settings_(settings) {}
    Next on_input(Connection& conn, const char* data, std::size_t size) override;
    void on_peer_closed(const Connection&) override {}
    bool may_send_more(const Connection& conn) const override;
    ConnState serve(Connection& conn, bool stopping) override;
    std::optional<ConnState> serve_static(Connection& conn, bool stopping) override;

private:
    enum class Ready { wait, serve, refused };
    Ready check_request(Connection& conn);
    bool reads_body_ahead(HttpRequestParser& p) const;
    ConnState after_body(Connection& conn);
    ConnState after_response(Connection& conn);
    bool serve_one(Connection& conn, bool stopping, bool try_static);
    std::optional<bool> serve_one_static(Connection& conn, bool stopping);

    AppRuntime& runtime_;
    const SessionSettings& settings_;
};

}  // namespace appserver
