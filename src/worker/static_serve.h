#pragma once
// Answers a GET or HEAD from the static mappings (src/static) when its path names a file there;
// anything else is left to the application. Runs wherever the session does (the event loop for a
// request that arrives alone), never calls the application and never reads the request body.

#include <string_view>

#include "static/static_map.h"
#include "static/static_response.h"
#include "worker/exchange.h"

namespace appserver {

// True when the request was answered (a file, a 304/416, or a 403 for a file that may not be
// served); `response` then holds the status and the bytes sent. False: nothing was written, and
// the application gets the request (no mapping matched, no such file, a directory without an
// index, a skipped extension, another method).
bool serve_static_file(const StaticConfig& config, const StaticRequest& request, HttpResponseWriter& response,
                       std::string_view client);

}  // namespace appserver
