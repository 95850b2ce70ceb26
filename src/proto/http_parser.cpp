#include "proto/http_parser.h"

#include <cstring>

#include "appserver/ascii.h"

namespace appserver {
namespace {

using ascii::iequals;

HttpRequestParser* self(llhttp_t* p) { return static_cast<HttpRequestParser*>(p->data); }

// Per-header overhead counted against buffer-size, as the bytes ": " and CRLF take on the wire.
constexpr std::size_t kHeaderLineOverhead = 4;

// Fields a sender must not put in a trailer (RFC 9110 §6.5.1: framing, routing, request
// modifiers, authentication, how to process the content). Trailers are dropped anyway; one of
// these in a trailer is an attempt to change the request after the fact, so it is refused.
bool forbidden_in_trailer(std::string_view name) {
    constexpr std::string_view names[] = {"transfer-encoding",
                                          "content-length",
                                          "host",
                                          "content-type",
                                          "content-encoding",
                                          "content-range",
                                          "trailer",
                                          "connection",
                                          "keep-alive",
                                          "upgrade",
                                          "te",
                                          "expect",
                                          "authorization",
                                          "proxy-authorization",
                                          "cookie",
                                          "cache-control",
                                          "max-forwards",
                                          "pragma",
                                          "range",
                                          "if-match",
                                          "if-none-match",
                                          "if-modified-since",
                                          "if-unmodified-since",
                                          "if-range"};
    for (std::string_view n : names)
        if (iequals(name, n)) return true;
    return false;
}

// Fields that occur at most once (RFC 9112 §3.2 for Host; Content-Type is not a list, so two of
// them, joined "a, b", would be read differently by different parsers). Content-Length and
// Transfer-Encoding repeats are llhttp's (and check_head's) to refuse.
bool singleton(std::string_view name) { return iequals(name, "host") || iequals(name, "content-type"); }

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view v) {
    while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
    return v;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text.substr(0, 64)) + "\""; }

}  // namespace

HttpRequestParser::HttpRequestParser(const RequestLimits& limits) : limits_(limits) {
    llhttp_settings_init(&settings_);
    settings_.on_message_begin = on_message_begin;
    settings_.on_url = on_url;
    settings_.on_header_field = on_header_field;
    settings_.on_header_value = on_header_value;
    settings_.on_header_value_complete = on_header_value_complete;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_body = on_body;
    settings_.on_message_complete = on_message_complete;
    // Strict: no lenient flags are ever set.
    llhttp_init(&parser_, HTTP_REQUEST, &settings_);
    parser_.data = this;
}

// llhttp joins an obs-fold continuation line into the value (its callbacks cannot tell it from a
// value split across two reads), so the fold is looked for in the bytes: a line of the head that
// starts with SP or HTAB. The scan keeps its place across feeds and stops at the empty line that
// ends the head, so body bytes are never looked at. Returns the fold's offset in data, or size.
std::size_t HttpRequestParser::find_obs_fold(const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size && line_scan_ != LineScan::done; ++i) {
        char c = data[i];
        switch (line_scan_) {
            case LineScan::before_request:  // llhttp skips empty lines before the request line
                if (c != '\r' && c != '\n') line_scan_ = LineScan::in_line;
                break;
            case LineScan::in_line: {
                // The rest of the line says nothing: jump to its end (memchr, not a byte at a time).
                const void* eol = std::memchr(data + i, '\n', size - i);
                if (eol == nullptr) return size;
                i = static_cast<std::size_t>(static_cast<const char*>(eol) - data);
                line_scan_ = LineScan::line_start;
                break;
            }
            case LineScan::line_start:
                if (is_ows(c)) return i;
                line_scan_ = c == '\r'   ? LineScan::line_start_cr
                             : c == '\n' ? LineScan::done
                                         : LineScan::in_line;
                break;
            case LineScan::line_start_cr: line_scan_ = c == '\n' ? LineScan::done : LineScan::in_line; break;
            case LineScan::done: break;
        }
    }
    return size;
}

std::size_t HttpRequestParser::feed(const char* data, std::size_t size) {
    if (state_ == State::complete || state_ == State::error || size == 0) return 0;
    std::size_t fold = find_obs_fold(data, size);
    // Up to a fold, llhttp still parses, so what it finds wrong before the fold is what is answered.
    llhttp_errno_t rc = llhttp_execute(&parser_, data, fold);
    if (rc == HPE_OK && fold < size) {
        // RFC 9112 §5.2 lets a server refuse obs-fold; proxies disagree on it (smuggling), so we do.
        fail(400, "obsolete line folding in the request head");
        return size;
    }
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
        if (rc == HPE_INVALID_VERSION &&
            std::string_view(llhttp_get_error_reason(&parser_)) == "Invalid HTTP version") {
            // Well-formed digits naming a version we do not speak (HTTP/1.7, 9.9); garbage is a 400.
            fail(505, "unsupported HTTP version");
        } else {
            fail(400, std::string(llhttp_errno_name(rc)) + ": " + llhttp_get_error_reason(&parser_));
        }
    }
    return size;
}

std::uint64_t HttpRequestParser::length_body_left() const {
    if (state_ != State::body || (parser_.flags & F_CHUNKED) || !head_.content_length) return 0;
    return parser_.content_length;  // llhttp counts it down as body bytes go through
}

void HttpRequestParser::feed_body_in_place(const char* data, std::size_t size) {
    body_in_place_ = true;
    feed(data, size);
    body_in_place_ = false;
}

void HttpRequestParser::next_request() {
    if (state_ == State::complete) llhttp_resume(&parser_);
    clear_request();
}

void HttpRequestParser::recycle() {
    // llhttp_init, not resume: after a request that ended the connection (Connection: close,
    // HTTP/1.0) or an error, llhttp would refuse any further byte.
    llhttp_init(&parser_, HTTP_REQUEST, &settings_);
    parser_.data = this;
    // A keep-alive connection's parser comes here after next_request(), with no byte since.
    bool clean = state_ == State::head && !begun_;
    if (!clean) {
        clear_request();
        body_in_place_ = false;
        error_status_ = 0;
        error_reason_.clear();
    }
    // What a large request grew is not kept: a parser in the pool holds about 2 KB at most
    // beside a body of up to 8 KiB.
    if (body_.capacity() > 8 * 1024) std::string().swap(body_);
    if (head_.url.capacity() > 512) std::string().swap(head_.url);
    if (head_.headers.capacity() > 16) decltype(head_.headers)().swap(head_.headers);
}

void HttpRequestParser::clear_request() {
    state_ = State::head;
    head_.reset();
    body_.clear();
    body_seen_ = 0;
    head_size_ = 0;
    begun_ = false;
    field_open_ = false;
    line_scan_ = LineScan::before_request;
    trailer_name_.clear();
    trailer_size_ = 0;
    trailer_count_ = 0;
}

void HttpRequestParser::fail(int status, std::string reason) {
    state_ = State::error;
    error_status_ = status;
    error_reason_ = std::move(reason);
}

bool HttpRequestParser::count_trailer_bytes(std::size_t n) {
    trailer_size_ += n;
    if (trailer_size_ > limits_.max_head_size) {
        fail(431, "trailer section larger than buffer-size (" + std::to_string(limits_.max_head_size) + ")");
        return false;
    }
    return true;
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
    s->begun_ = true;
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
    if (s->state_ == State::body) {
        // After the head: a trailer field of a chunked body. Counted and checked, never kept.
        if (!s->field_open_) {
            if (++s->trailer_count_ > s->limits_.max_headers) {
                s->fail(431, "more than " + std::to_string(s->limits_.max_headers) + " trailer lines");
                return -1;
            }
            if (!s->count_trailer_bytes(kHeaderLineOverhead)) return -1;
            s->trailer_name_.clear();
            s->field_open_ = true;
        }
        if (!s->count_trailer_bytes(len)) return -1;
        s->trailer_name_.append(at, len);
        return 0;
    }
    if (!s->count_head_bytes(len)) return -1;
    if (!s->field_open_) {
        if (s->head_.headers.size() >= s->limits_.max_headers) {
            s->fail(431, "more than " + std::to_string(s->limits_.max_headers) + " header lines");
            return -1;
        }
        if (!s->count_head_bytes(kHeaderLineOverhead)) return -1;
        s->head_.headers.emplace_back();
        s->field_open_ = true;
    }
    s->head_.headers.back().first.append(at, len);
    return 0;
}

int HttpRequestParser::on_header_value(llhttp_t* p, const char* at, std::size_t len) {
    auto* s = self(p);
    if (s->state_ == State::body) return s->count_trailer_bytes(len) ? 0 : -1;
    if (!s->count_head_bytes(len)) return -1;
    s->head_.headers.back().second.append(at, len);
    return 0;
}

int HttpRequestParser::on_header_value_complete(llhttp_t* p) {
    auto* s = self(p);
    s->field_open_ = false;
    if (s->state_ != State::body) return 0;
    const std::string& name = s->trailer_name_;
    if (!ascii::is_token(name)) {
        s->fail(400, "invalid trailer name " + quoted(name));
        return -1;
    }
    if (forbidden_in_trailer(name)) {
        s->fail(400, "trailer field " + quoted(name) + " is not allowed in a trailer");
        return -1;
    }
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
    if ((p->flags & F_TRANSFER_ENCODING) && h.version_minor == 0) {
        // RFC 9112 §6.1: the framing of an HTTP/1.0 message with Transfer-Encoding is faulty
        // (an HTTP/1.0 proxy in front may have read it differently); nginx refuses it too.
        s->fail(400, "Transfer-Encoding in an HTTP/1.0 request");
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
    if (!s->check_head()) return -1;
    s->state_ = State::body;
    // Upgrade requests are answered as plain requests: returning 0 keeps llhttp parsing the body.
    return 0;
}

// What llhttp lets through in a complete head: header names, repeats, the Host value, the
// Transfer-Encoding list, and the request target's form.
bool HttpRequestParser::check_head() {
    HttpHead& h = head_;
    const std::string* host = nullptr;
    std::size_t transfer_codings = 0;
    for (std::size_t i = 0; i < h.headers.size(); ++i) {
        auto& [name, value] = h.headers[i];
        // llhttp lets "Name : value" through; a proxy in front may read it differently (smuggling).
        if (!ascii::is_token(name)) {
            fail(400, "invalid header name " + quoted(name));
            return false;
        }
        // llhttp strips the whitespace before a value, not after it (RFC 9112 §5: OWS is not part
        // of the value; "example.com " would fail an ALLOWED_HOSTS check).
        std::string_view trimmed = trim_ows(value);
        if (trimmed.size() != value.size()) value = std::string(trimmed);
        if (singleton(name)) {
            for (std::size_t j = 0; j < i; ++j) {
                if (iequals(h.headers[j].first, name)) {
                    fail(400, "more than one " + name + " header");
                    return false;
                }
            }
        }
        if (iequals(name, "host")) host = &value;
        if (iequals(name, "transfer-encoding")) {
            // llhttp accepts "gzip" then "chunked" on two lines as chunked; we decode chunked only.
            if (!iequals(value, "chunked") || ++transfer_codings > 1) {
                fail(400, "Transfer-Encoding " + quoted(value) + " is not a single \"chunked\"");
                return false;
            }
        }
        if (iequals(name, "expect") && iequals(value, "100-continue")) h.expect_continue = true;
    }
    // RFC 9112 §3.2: a Host with an invalid value is a 400.
    if (host && !valid_authority(*host)) {
        fail(400, "invalid Host " + quoted(*host));
        return false;
    }
    auto target = parse_request_target(h.method, h.url);
    if (!target) {
        fail(400, "request target " + quoted(h.url) + " is neither origin-form nor http(s) absolute-form");
        return false;
    }
    h.target_form = target->form;
    h.authority = target->authority;
    h.rest_offset = target->form == TargetForm::origin ? 0
                    : target->rest.empty()             ? h.url.size()
                                           : static_cast<std::size_t>(target->rest.data() - h.url.data());
    return true;
}

int HttpRequestParser::on_body(llhttp_t* p, const char* at, std::size_t len) {
    auto* s = self(p);
    s->body_seen_ += len;
    if (s->limits_.max_body > 0 && s->body_seen_ > s->limits_.max_body) {
        s->fail(413, "chunked body over limit-post " + std::to_string(s->limits_.max_body));
        return -1;
    }
    if (!s->body_in_place_) s->body_.append(at, len);
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
