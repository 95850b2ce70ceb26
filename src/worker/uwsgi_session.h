#pragma once
// A connection accepted on a uwsgi socket (`socket = ADDR`, what nginx's uwsgi_pass talks to):
// one uwsgi packet in, one HTTP response out, then the connection closes.

#include <cstddef>

#include "appserver/app_runtime.h"
#include "worker/connection.h"
#include "worker/http_session.h"

namespace appserver {

class UwsgiSession final : public Session {
public:
    UwsgiSession(AppRuntime& runtime, const SessionSettings& settings, const RequestLimits& limits)
        : runtime_(runtime), settings_(settings), limits_(limits) {}
    // Buffers the packet; serve once it is complete. A malformed, oversized or non-uwsgi packet is
    // logged and the connection closed; a CONTENT_LENGTH over limit-post is answered 413 (the app
    // is not called and the body is never kept).
    Next on_input(Connection& conn, const char* data, std::size_t size) override;
    // Logs a packet cut short.
    void on_peer_closed(const Connection& conn) override;
    // Always: nginx may still be sending a body the app did not read (closing at once costs it
    // the response: 502), and it closes as soon as it has the response.
    bool may_send_more(const Connection&) const override { return true; }
    // Serves the one request; the connection then closes (lingering over the unread body).
    ConnState serve(Connection& conn, bool stopping) override;
    // A GET/HEAD for a static file: answered from it; the connection then closes.
    std::optional<ConnState> serve_static(Connection& conn, bool stopping) override;

private:
    AppRuntime& runtime_;
    const SessionSettings& settings_;
    const RequestLimits& limits_;
};

}  // namespace appserver
