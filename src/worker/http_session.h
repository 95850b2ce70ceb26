#pragma once
// Serving the requests that are ready on one HTTP connection: hands each to the application
// runtime, frames the answer, logs it, and says whether the connection stays open.

#include <atomic>

#include "appserver/app_runtime.h"
#include "worker/connection.h"
#include "worker/exchange.h"
#include "worker/harakiri.h"

namespace appserver {

struct SessionSettings {
    ExchangeSettings exchange;
    bool access_log = true;
    std::uint64_t max_drain = 1 << 20;  // unread request body we read and discard to keep a connection
    Harakiri* harakiri = nullptr;          // watchdog over each request (null: harakiri off)
    std::atomic<long>* served = nullptr;   // the worker's request count (max-requests)
};

enum class SessionResult { need_more, close };

// Runs the application for one request, whatever the protocol: under the harakiri watchdog,
// counted for max-requests, with a 500 when the runtime produced no response at all.
void run_application(AppRuntime& runtime, Request& request, HttpResponseWriter& response, Connection& conn,
                     const SessionSettings& settings, std::string_view method, std::string_view uri);

// One access-log line: address, request line, status, bytes, duration.
void log_access(std::string_view remote, std::string_view method, std::string_view uri, std::string_view protocol,
                int status, std::uint64_t bytes, Clock::time_point started);

// Serves every complete request buffered on `conn` (pipelined ones in order). Returns need_more
// when the connection waits for the next request, close when it must be closed. `stopping`
// turns keep-alive off (graceful shutdown).
SessionResult serve_ready_requests(Connection& conn, AppRuntime& runtime, const SessionSettings& settings,
                                   bool stopping);

// Answers a request the parser refused (400, 431, 505...) and logs it. The connection must close.
void answer_parse_error(Connection& conn, const SessionSettings& settings);

}  // namespace appserver
