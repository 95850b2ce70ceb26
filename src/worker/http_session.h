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

// Serves every complete request buffered on `conn` (pipelined ones in order). Returns need_more
// when the connection waits for the next request, close when it must be closed. `stopping`
// turns keep-alive off (graceful shutdown).
SessionResult serve_ready_requests(Connection& conn, AppRuntime& runtime, const SessionSettings& settings,
                                   bool stopping);

// Answers a request the parser refused (400, 431, 505...) and logs it. The connection must close.
void answer_parse_error(Connection& conn, const SessionSettings& settings);

}  // namespace appserver
