#pragma once
// How a response is framed on the wire, and its head serialized. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// add-header / del-header (uWSGI's keys): headers added to every response the server writes (the
// application's, static files', the server's own errors), and header names dropped from the
// application's. Set once in the master before it forks; read-only afterwards.
struct ExtraHeaders {
    HeaderList add;                   // written after the application's headers
    std::vector<std::string> remove;  // names, any case
    bool close = false;               // set_extra_headers: "Connection: close" was asked for
};
// Keeps `extra` for every head written from now on. Framing headers (Connection, Content-Length,
// Transfer-Encoding, Date, Keep-Alive) are not added: "Connection: close" makes every response
// the connection's last instead, the others are the server's to write.
void set_extra_headers(ExtraHeaders extra);
// Parses "Name: value" (add-header); false when there is no ':' or the name is not an HTTP token
// or the value holds a CR, LF or NUL.
bool parse_header_line(std::string_view line, std::pair<std::string, std::string>& out);

// "HTTP/1.1 200 OK\r\n" + app headers (minus hop-by-hop ones we own) + Date, framing, Connection.
void append_response_head(std::string& out, std::string_view status, const HeaderList& app_headers,
                          const ResponseFraming& framing, bool http11);

}  // namespace appserver
