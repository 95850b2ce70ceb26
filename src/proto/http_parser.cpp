#include "proto/http_parser.h"

#include "appserver/ascii.h"

namespace appserver {
namespace {

using ascii::iequals;

HttpRequestParser* self(llhttp_t* p) { return static_cast<HttpRequestParser*>(p->data); }

// Per-header overhead counted against buffer-size, as the bytes ": " and CRLF take on the wire.
constexpr std::size_t kHeaderLineOverhead = 4;

}  // namespace

HttpRequestParser::HttpRequestParser(const RequestLimits& limits) : limits_(limits) {
    llhttp_settings_init(&settings_);
    settings_.on_message_begin = on_message_begin;
    settings_.on_url = on_url;
    settings_.on_header_field = on_header_field;
    settings_.on_header_value = on_header_value;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_body = on_body;
    settings_.on_message_complete = on_message_complete;
    // Strict: no lenient flags are ever set.
    llhttp_init(&parser_, HTTP_REQUEST, &settings_);
    parser_.data = this;
}

std::size_t HttpRequestParser::feed(const char* data, std::size_t size) {
    if (state_ == State::complete || state_ == State::error || size == 0) return 0;
    chunk_start_ = data;
    llhttp_errno_t rc = llhttp_execute(&parser_, data, size);
    if (rc == HPE_OK) return size;
    if (rc == HPE_PAUSED) {
        // Paused by on_message_complete: stop right after this request.
        return static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data);
    }
    if (state_ != State::error) {
        if (rc == HPE_PAUSED_UPGRADE) {
            // Bytes after an upgrade request: on_message_complete already made it the last one on
            // the connection, so they are never served.
            fail(400, "data after a protocol upgrade request");
            return size;
        }
        if (rc == HPE_INVALID_VERSION && std::string_view(llhttp_get_error_reason(&parser_)) == "Invalid HTTP version") {
            // Well-formed digits naming a version we do not speak (HTTP/1.7, 9.9); garbage is a 400.
            fail(505, "unsupported HTTP version");
        } else {
            fail(400, std::string(llhttp_errno_name(rc)) + ": " + llhttp_get_error_reason(&parser_));
        }
    }
    return size;
}

void HttpRequestParser::next_request() {
    if (state_ == State::complete) llhttp_resume(&parser_);
    state_ = State::head;
    head_ = HttpHead{};
    body_.clear();
    body_seen_ = 0;
    head_size_ = 0;
    in_value_ = false;
}

void HttpRequestParser::fail(int status, std::string reason) {
    state_ = State::error;
    error_status_ = status;
    error_reason_ = std::move(reason);
}

bool HttpRequestParser::count_head_bytes(std::size_t n) {
    head_size_ += n;
    if (head_size_ > limits_.max_head_size) {
        fail(431, "request head larger than buffer-size (" + std::to_string(limits_.max_head_size) + ")");
        return false;
    }
    return true;
}

int HttpRequestParser::on_message_begin(llhttp_t* p) {
    auto* s = self(p);
    s->state_ = State::head;
    return 0;
}

int HttpRequestParser::on_url(llhttp_t* p, const char* at, std::size_t len) {
    auto* s = self(p);
    if (s->head_.url.size() + len > s->limits_.max_uri) {
        s->fail(414, "request target longer than " + std::to_string(s->limits_.max_uri) + " bytes");
        return -1;
    }
    if (!s->count_head_bytes(len)) return -1;
    s->head_.url.append(at, len);
    return 0;
}

int HttpRequestParser::on_header_field(llhttp_t* p, const char* at, std::size_t len) {
    auto* s = self(p);
    if (!s->count_head_bytes(len)) return -1;
    if (s->in_value_ || s->head_.headers.empty()) {
        if (s->head_.headers.size() >= s->limits_.max_headers) {
            s->fail(431, "more than " + std::to_string(s->limits_.max_headers) + " header lines");
            return -1;
        }
        if (!s->count_head_bytes(kHeaderLineOverhead)) return -1;
        s->head_.headers.emplace_back();
        s->in_value_ = false;
    }
    s->head_.headers.back().first.append(at, len);
    return 0;
}

int HttpRequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t len) {
    auto* s = self(p);
    if (s->in_value_ && at != s->chunk_start_) {
        // A second piece of the same value inside one buffer: llhttp joined an obs-fold
        // continuation line. (A value split across two feeds starts the later buffer.) RFC 9112
        // lets a server refuse obs-fold; proxies disagree on it (smuggling), so we do.
        s->fail(400, "obsolete line folding in header \"" + s->head_.headers.back().first.substr(0, 64) + "\"");
        return -1;
    }
    if (!s->count_head_bytes(len)) return -1;
    s->in_value_ = true;
    s->head_.headers.back().second.append(at, len);
    return 0;
}

int HttpRequestParser::on_headers_complete(llhttp_t* p) {
    auto* s = self(p);
    HttpHead& h = s->head_;
    h.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
    h.version_major = p->http_major;
    h.version_minor = p->http_minor;
    if (h.version_major != 1 || h.version_minor > 1) {
        s->fail(505, "unsupported HTTP version " + std::to_string(h.version_major) + "." +
                         std::to_string(h.version_minor));
        return -1;
    }
    if (p->method == HTTP_CONNECT) {
        s->fail(405, "CONNECT is not supported");
        return -1;
    }
    h.chunked = (p->flags & F_CHUNKED) != 0;
    if (p->flags & F_CONTENT_LENGTH) h.content_length = p->content_length;
    h.keep_alive = llhttp_should_keep_alive(p) != 0;
    if (s->limits_.max_body > 0 && h.content_length && *h.content_length > s->limits_.max_body) {
        // Refused from the head alone: the body is never read.
        s->fail(413, "Content-Length " + std::to_string(*h.content_length) + " over limit-post " +
                         std::to_string(s->limits_.max_body));
        return -1;
    }
    for (const auto& [name, value] : h.headers) {
        // llhttp lets "Name : value" through; a proxy in front may read it differently (smuggling).
        if (!ascii::is_token(name)) {
            s->fail(400, "invalid header name \"" + name.substr(0, 64) + "\"");
            return -1;
        }

        if (iequals(name, "expect") && iequals(value, "100-continue")) h.expect_continue = true;
    }
    s->state_ = State::body;
    // Upgrade requests are answered as plain requests: returning 0 keeps llhttp parsing the body.
    return 0;
}

int HttpRequestParser::on_body(llhttp_t* p, const char* at, std::size_t len) {
    auto* s = self(p);
    s->body_seen_ += len;
    if (s->limits_.max_body > 0 && s->body_seen_ > s->limits_.max_body) {
        s->fail(413, "chunked body over limit-post " + std::to_string(s->limits_.max_body));
        return -1;
    }
    s->body_.append(at, len);
    return 0;
}

int HttpRequestParser::on_message_complete(llhttp_t* p) {
    auto* s = self(p);
    s->state_ = State::complete;
    // An Upgrade request is answered as a plain request; the protocol switch is refused by
    // closing after it (llhttp treats whatever follows as the new protocol's bytes).
    if (p->upgrade) s->head_.keep_alive = false;
    return HPE_PAUSED;
}

}  // namespace appserver
