#pragma once
// A connection accepted on a uwsgi socket (`socket = ADDR`, what nginx's uwsgi_pass talks to):
// one uwsgi packet in, one HTTP response out, then the connection closes.

#include <cstddef>

#include "appserver/app_runtime.h"
#include "worker/connection.h"
#include "worker/http_session.h"

namespace appserver {

enum class UwsgiProgress { need_more, ready, refused };

// Looks at the bytes buffered on `conn` without blocking (the event loop calls this after each read).
// refused: the packet is malformed, too large or not uwsgi at all; it is logged and the caller
// closes the connection.
UwsgiProgress check_uwsgi_packet(const Connection& conn, std::size_t max_vars_size);

// The peer closed before its packet was complete: logs it when some bytes had arrived.
void log_truncated_uwsgi_packet(const Connection& conn);

// Serves the one request of a connection whose packet is complete (check_uwsgi_packet said ready).
// The connection must be closed afterwards.
void serve_uwsgi_request(Connection& conn, AppRuntime& runtime, const SessionSettings& settings,
                         std::size_t max_vars_size);

}  // namespace appserver
