#pragma once
// The HTTP answer for a static file, decided from the request's headers and the file's size and
// time: 200, 206 (one Range), 304 (If-None-Match / If-Modified-Since), 416; the headers that go
// with it. Pure: no I/O, the time is an input.

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "appserver/app_runtime.h"

namespace appserver {

// What a static answer looks at in the request (views into the request; "" = absent).
struct StaticRequest {
    std::string_view method;  // GET or HEAD
    std::string_view path;    // decoded PATH_INFO
    std::string_view uri;     // REQUEST_URI (static-expires-uri)
    std::string_view if_modified_since;
    std::string_view if_none_match;
    std::string_view range;
    std::string_view if_range;
    std::string_view accept_encoding;
};

// The file as it will be sent.
struct StaticEntity {
    std::uint64_t size = 0;
    std::time_t mtime = 0;
    std::string_view media_type;  // "" when unknown
    bool gzip = false;            // FILE.gz sent for FILE: Content-Encoding: gzip
    bool vary = false;            // a gzip rule covers the file: Vary: Accept-Encoding
    long expires = -1;            // seconds (static-expires*), -1: none
};

struct StaticReply {
    int status = 200;
    std::string status_line;   // "200 OK"
    HeaderList headers;        // without Content-Length (the framing adds it from `length`)
    std::uint64_t offset = 0;  // of the body in the file
    std::uint64_t length = 0;  // of the body
};

StaticReply plan_static_reply(const StaticRequest& request, const StaticEntity& entity, bool honour_range,
                              std::time_t now);

// `"<mtime hex>-<size hex>"`, nginx's strong ETag.
std::string static_etag(std::uint64_t size, std::time_t mtime);

// If-None-Match against an ETag (weak comparison, "*" matches).
bool etag_list_matches(std::string_view if_none_match, std::string_view etag);

struct ByteRange {
    enum class Kind { whole, part, unsatisfiable };
    Kind kind = Kind::whole;
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // inclusive
};

// One "bytes=" range against a size. Syntax errors, other units and several ranges: whole (RFC 9110
// lets a server ignore Range). A single range that starts past the end: unsatisfiable.
ByteRange parse_byte_range(std::string_view header, std::uint64_t size);

// Whether Accept-Encoding allows gzip (listed, or "*", with a q-value above 0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace appserver
