#pragma once
// How a response is framed on the wire, and its head serialized. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "appserver/app_runtime.h"

namespace appserver {

struct ResponseFraming {
    enum class Body { none, content_length, chunked, until_close };
    Body body = Body::none;
    std::uint64_t content_length = 0;  // for Body::content_length: what the client expects
    bool keep_alive = false;           // the connection stays open after this response
    bool send_body = true;             // false for HEAD, 204, 304
};

struct RequestFacts {
    bool head_method = false;
    bool http11 = true;
    bool keep_alive = true;  // the client wants it and the server allows it
};

// Parses "200 OK" -> 200; 0 when the status does not start with three digits.
int status_code(std::string_view status);

// Decides the framing: the app's own Content-Length, else the known body length, else chunked on
// HTTP/1.1, else the end of the body is the end of the connection.
ResponseFraming choose_framing(int status, const HeaderList& app_headers,
                               std::optional<std::uint64_t> known_length, const RequestFacts& request);

// "HTTP/1.1 200 OK\r\n" + app headers (minus hop-by-hop ones we own) + Date, framing, Connection.
void append_response_head(std::string& out, std::string_view status, const HeaderList& app_headers,
                          const ResponseFraming& framing, bool http11);

}  // namespace appserver
