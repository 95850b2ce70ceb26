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

namespace appserver {

struct HttpHead {
    std::string method;
    std::string url;
    int version_major = 1;
    int version_minor = 1;
    std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool keep_alive = true;        // what the client asked for (version + Connection)
    bool expect_continue = false;
};

class HttpRequestParser {
public:
    enum class State { head, body, complete, error };

    explicit HttpRequestParser(std::size_t max_head_size);
    HttpRequestParser(const HttpRequestParser&) = delete;
    HttpRequestParser& operator=(const HttpRequestParser&) = delete;

    // Feeds bytes; returns how many were consumed. Parsing stops (consuming no more) at the end of
    // one request, so pipelined bytes of the next one stay with the caller. Decoded body bytes are
    // appended to body(). Check state() after each call.
    std::size_t feed(const char* data, std::size_t size);

    // Forgets the finished request and gets ready for the next one on the same connection.
    void next_request();

    State state() const { return state_; }
    const HttpHead& head() const { return head_; }
    // Decoded body bytes received but not yet taken by the application.
    std::string& body() { return body_; }
    // For State::error: the status to answer with (400, 431, 505...) and a short reason for the log.
    int error_status() const { return error_status_; }
    const std::string& error_reason() const { return error_reason_; }
    // Bytes of the request head seen so far (request line + headers).
    std::size_t head_size() const { return head_size_; }

private:
    static int on_message_begin(llhttp_t*);
    static int on_url(llhttp_t*, const char*, std::size_t);
    static int on_header_field(llhttp_t*, const char*, std::size_t);
    static int on_header_value(llhttp_t*, const char*, std::size_t);
    static int on_headers_complete(llhttp_t*);
    static int on_body(llhttp_t*, const char*, std::size_t);
    static int on_message_complete(llhttp_t*);

    bool count_head_bytes(std::size_t n);
    void fail(int status, std::string reason);

    llhttp_t parser_{};
    llhttp_settings_t settings_{};
    std::size_t max_head_size_;
    State state_ = State::head;
    HttpHead head_;
    std::string body_;
    std::size_t head_size_ = 0;
    bool in_value_ = false;
    int error_status_ = 0;
    std::string error_reason_;
};

}  // namespace appserver
