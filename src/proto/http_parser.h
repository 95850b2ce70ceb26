#pragma once
// HTTP/1.1 request parsing with llhttp (strict mode): bytes in, request head / body bytes out.
// No I/O here: the worker reads the socket and feeds this parser.

#include <llhttp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/request_target.h"

namespace appserver {

struct HttpHead {
    std::string method;
    std::string url;  // the request target as sent
    TargetForm target_form = TargetForm::origin;
    std::string authority;        // absolute-form: "host[:port]" from the target (it overrides Host)
    std::size_t rest_offset = 0;  // where the path (or "?query") starts in url
    int version_major = 1;
    int version_minor = 1;
    // As sent, in order, values without leading/trailing whitespace. Trailer fields are never here.
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool keep_alive = true;  // what the client asked for (version + Connection)
    bool expect_continue = false;

    // The target after its scheme and authority: "/p?q", "?q", "" (absolute-form without a path).
    std::string_view target_rest() const { return std::string_view(url).substr(rest_offset); }

    // Back to a fresh head for the connection's next request: every field as a new HttpHead has
    // it (so a field added later cannot leak from one request into the next), but the header list
    // and the target keep their buffers, which spares their allocations on every request.
    void reset() {
        auto kept_headers = std::move(headers);
        auto kept_url = std::move(url);
        *this = HttpHead{};
        kept_headers.clear();
        kept_url.clear();
        headers = std::move(kept_headers);
        url = std::move(kept_url);
    }
};

// What one request may be; each limit has its own status (docs/security.md).
struct RequestLimits {
    std::size_t max_head_size = 8192;  // buffer-size: request line + headers -> 431
    std::size_t max_headers = 100;     // header lines -> 431
    std::size_t max_uri = 8190;        // request target -> 414
    std::uint64_t max_body = 0;        // limit-post, 0 = none -> 413

    friend bool operator==(const RequestLimits&, const RequestLimits&) = default;
};

class HttpRequestParser {
public:
    enum class State { head, body, complete, error };

    explicit HttpRequestParser(const RequestLimits& limits);
    // Default limits but for the head size (tests, fuzzing).
    explicit HttpRequestParser(std::size_t max_head_size)
        : HttpRequestParser(RequestLimits{.max_head_size = max_head_size}) {}
    HttpRequestParser(const HttpRequestParser&) = delete;
    HttpRequestParser& operator=(const HttpRequestParser&) = delete;

    // Feeds bytes; returns how many were consumed. Parsing stops (consuming no more) at the end of
    // one request, so pipelined bytes of the next one stay with the caller. Decoded body bytes are
    // appended to body(). Check state() after each call.
    std::size_t feed(const char* data, std::size_t size);

    // A Content-Length body being received: how many of its bytes are still to come (0 for a
    // head, a chunked body, or a body already complete).
    std::uint64_t length_body_left() const;
    // Feeds `size` (at most length_body_left()) bytes of such a body that the caller already holds
    // where it wants them (read straight into the application's buffer): counted and parsed as
    // feed() would, but not copied into body().
    void feed_body_in_place(const char* data, std::size_t size);

    // Forgets the finished request and gets ready for the next one on the same connection.
    void next_request();
    // Back to a parser as new, whatever state it was in (a request half read, an error, a
    // connection that asked to close), for another connection: the buffers of earlier requests
    // are kept when small (worker/parser_pool.h).
    void recycle();

    State state() const { return state_; }
    const HttpHead& head() const { return head_; }
    // Decoded body bytes received but not yet taken by the application.
    std::string& body() { return body_; }
    // For State::error: the status to answer with (400, 431, 505...) and a short reason for the log.
    int error_status() const { return error_status_; }
    const std::string& error_reason() const { return error_reason_; }
    // Bytes of the request head seen so far (request line + headers).
    std::size_t head_size() const { return head_size_; }
    // Some byte of the next request has been consumed (even one of its method: head_size() counts
    // from the target on), so the parser holds state that must not be thrown away.
    bool begun() const { return begun_; }
    const RequestLimits& limits() const { return limits_; }

private:
    static int on_message_begin(llhttp_t*);
    static int on_url(llhttp_t*, const char*, std::size_t);
    static int on_header_field(llhttp_t*, const char*, std::size_t);
    static int on_header_value(llhttp_t*, const char*, std::size_t);
    static int on_header_value_complete(llhttp_t*);
    static int on_headers_complete(llhttp_t*);
    static int on_body(llhttp_t*, const char*, std::size_t);
    static int on_message_complete(llhttp_t*);

    bool count_head_bytes(std::size_t n);
    bool count_trailer_bytes(std::size_t n);
    bool check_head();
    std::size_t find_obs_fold(const char* data, std::size_t size);
    void fail(int status, std::string reason);
    void clear_request();

    // Where the obs-fold scan is in the head's lines (see find_obs_fold).
    enum class LineScan : std::uint8_t { before_request, in_line, line_start, line_start_cr, done };

    llhttp_t parser_{};
    llhttp_settings_t settings_{};
    RequestLimits limits_;
    std::uint64_t body_seen_ = 0;
    State state_ = State::head;
    HttpHead head_;
    std::string body_;
    std::size_t head_size_ = 0;
    bool begun_ = false;
    bool field_open_ = false;  // a header (or trailer) name has started and its value not ended
    bool body_in_place_ = false;  // feed_body_in_place: on_body counts the bytes, not copies them
    LineScan line_scan_ = LineScan::before_request;
    // Trailer fields (after a chunked body): checked, counted, then dropped.
    std::string trailer_name_;
    std::size_t trailer_size_ = 0;
    std::size_t trailer_count_ = 0;
    int error_status_ = 0;
    std::string error_reason_;
};

}  // namespace appserver
