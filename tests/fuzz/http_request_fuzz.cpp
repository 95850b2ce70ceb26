// Fuzzes the HTTP request path the way a worker drives it (worker/http_session.cpp): bytes arrive in
// reads of any size, HttpRequestParser consumes what it can, pipelined bytes wait for next_request(),
// each complete head becomes CGI variables, and a response head is framed for it.
//
// Input: [split seed: 2 bytes][knobs: 1 byte][bytes from the client...]
//   knobs bits 0-2: buffer-size (max head), bits 3-5: response status, bit 6: server allows
//   keep-alive, bit 7: the body length is known to the server.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "proto/cgi_vars.h"
#include "proto/http_parser.h"
#include "proto/response_head.h"

namespace {

using appserver::CgiVars;
using appserver::HeaderList;
using appserver::HttpHead;
using appserver::HttpRequestParser;
using appserver::ResponseFraming;
using State = HttpRequestParser::State;

constexpr std::array<std::size_t, 8> kHeadSizes = {16, 64, 256, 1024, 4096, 8192, 32768, 65536};
constexpr std::array<std::string_view, 8> kStatuses = {
    "200 OK", "204 No Content", "304 Not Modified", "101 Switching Protocols",
    "404 Not Found", "500 Internal Server Error", "999 Unheard Of", "42"};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool has_line_break_or_nul(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; }

void check_cgi_vars(const HttpHead& head, std::uint8_t knobs) {
    appserver::PeerInfo peer{"192.0.2.7", 40000 + knobs, (knobs & 1) ? "::1" : "127.0.0.1", 8000};
    thread_local CgiVars vars;  // reused across requests, as the worker's thread_local is
    vars.build(head, peer);
    FUZZ_CHECK(vars.get("REQUEST_METHOD") == head.method);
    // The target's form decides PATH_INFO and REQUEST_URI (parser: request_target.h).
    switch (head.target_form) {
        case appserver::TargetForm::origin:
            FUZZ_CHECK(vars.get("REQUEST_URI") == head.url);
            FUZZ_CHECK(vars.get("PATH_INFO").starts_with('/'));
            break;
        case appserver::TargetForm::absolute:
            FUZZ_CHECK(vars.get("REQUEST_URI").starts_with('/'));
            FUZZ_CHECK(head.url.ends_with(vars.get("REQUEST_URI").substr(head.target_rest().starts_with('/') ? 0 : 1)));
            FUZZ_CHECK(vars.get("HTTP_HOST") == head.authority && !head.authority.empty());
            break;
        case appserver::TargetForm::asterisk:
            FUZZ_CHECK(head.method == "OPTIONS" && vars.get("REQUEST_URI") == "*" && vars.get("PATH_INFO").empty());
            break;
    }
    int hosts = 0;
    for (const auto& [name, value] : head.headers) {
        hosts += iequals(name, "host");
        // No whitespace around a value reaches the application.
        FUZZ_CHECK(value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' && value.back() != '\t'));
    }
    FUZZ_CHECK(hosts <= 1);
    FUZZ_CHECK(!vars.get("SERVER_PROTOCOL").empty());
    FUZZ_CHECK(vars.get("SERVER_PORT") == "8000");
    bool content_type = false;
    for (const auto& [name, value] : vars.vars()) {
        FUZZ_CHECK(!name.empty());
        FUZZ_CHECK(!has_line_break_or_nul(name));
        // PATH_INFO is percent-decoded, so %0A is a legitimate newline there; nothing else may carry one.
        if (name != "PATH_INFO") FUZZ_CHECK(!has_line_break_or_nul(value));
        if (name == "CONTENT_TYPE") {
            FUZZ_CHECK(!content_type);  // exactly once, joined if repeated
            content_type = true;
        }
    }
    FUZZ_CHECK(content_type);
}

// The response head for this request, with the request's own headers standing in for the app's.
void check_response_head(const HttpHead& head, std::uint8_t knobs, std::size_t stream_size) {
    HeaderList app_headers(head.headers.begin(), head.headers.end());
    std::string_view status = kStatuses[(knobs >> 3) & 7];
    int code = appserver::status_code(status);
    std::optional<std::uint64_t> known;
    if (knobs & 0x80) known = stream_size;
    appserver::RequestFacts facts;
    facts.head_method = head.method == "HEAD";
    facts.http11 = head.version_minor == 1;
    facts.keep_alive = head.keep_alive && (knobs & 0x40);

    ResponseFraming f = appserver::choose_framing(code, app_headers, known, facts);
    bool bodiless = (code >= 100 && code < 200) || code == 204 || code == 304;
    if (bodiless) FUZZ_CHECK(f.body == ResponseFraming::Body::none && !f.send_body);
    if (facts.head_method) FUZZ_CHECK(!f.send_body);
    if (f.body == ResponseFraming::Body::chunked) FUZZ_CHECK(facts.http11);
    if (f.body == ResponseFraming::Body::until_close) FUZZ_CHECK(!f.keep_alive);
    if (!facts.keep_alive) FUZZ_CHECK(!f.keep_alive);

    std::string out;
    appserver::append_response_head(out, status, app_headers, f, facts.http11);
    FUZZ_CHECK(out.starts_with(facts.http11 ? "HTTP/1.1 " : "HTTP/1.0 "));
    // One blank line, at the end: nothing the request carried can split the response.
    FUZZ_CHECK(out.size() >= 4 && out.find("\r\n\r\n") == out.size() - 4);

    int content_length = 0, transfer_encoding = 0, connection = 0, date = 0;
    std::size_t line_start = out.find("\r\n") + 2;
    while (line_start < out.size() - 2) {
        std::size_t line_end = out.find("\r\n", line_start);
        std::string_view line(out.data() + line_start, line_end - line_start);
        std::string_view name = line.substr(0, line.find(':'));
        content_length += iequals(name, "content-length");
        transfer_encoding += iequals(name, "transfer-encoding");
        connection += iequals(name, "connection");
        date += iequals(name, "date");
        line_start = line_end + 2;
    }
    FUZZ_CHECK(date == 1);
    FUZZ_CHECK(content_length == (f.body == ResponseFraming::Body::content_length ? 1 : 0));
    FUZZ_CHECK(transfer_encoding == (f.body == ResponseFraming::Body::chunked ? 1 : 0));
    FUZZ_CHECK(connection <= 1);
    if (!f.keep_alive) FUZZ_CHECK(out.find("\r\nConnection: close\r\n") != out.npos);
}

void check_complete(HttpRequestParser& parser) {
    const HttpHead& head = parser.head();
    FUZZ_CHECK(!head.method.empty());
    FUZZ_CHECK(head.version_major == 1 && (head.version_minor == 0 || head.version_minor == 1));
    if (head.chunked) return;
    // Nobody took body bytes, so all of them are here: exactly Content-Length, or none.
    FUZZ_CHECK(parser.body().size() == head.content_length.value_or(0));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    appserver::fuzz::Splitter split(appserver::fuzz::seed_of(data));
    const std::uint8_t knobs = data[2];
    const std::string_view stream = appserver::fuzz::as_chars(data + 3, size - 3);
    const std::size_t max_head = kHeadSizes[knobs & 7];

    HttpRequestParser parser(max_head);
    std::string input;  // read but not yet consumed, as Connection::input
    std::size_t delivered = 0;
    bool head_seen = false;
    for (;;) {
        if (!input.empty()) {
            std::size_t used = parser.feed(input.data(), input.size());
            FUZZ_CHECK(used <= input.size());
            // Bytes are left over only after a complete request (they belong to the next one).
            if (used < input.size()) FUZZ_CHECK(parser.state() == State::complete);
            input.erase(0, used);
        }
        State state = parser.state();
        if (state == State::error) {
            int status = parser.error_status();
            FUZZ_CHECK(status == 400 || status == 405 || status == 431 || status == 505);
            FUZZ_CHECK(!parser.error_reason().empty());
            FUZZ_CHECK(parser.feed("x", 1) == 0);  // an errored parser takes nothing more
            break;
        }
        FUZZ_CHECK(parser.head_size() <= max_head);
        if (state != State::head && !head_seen) {
            head_seen = true;
            check_cgi_vars(parser.head(), knobs);
            check_response_head(parser.head(), knobs, stream.size());
        }
        if (state == State::complete) {
            check_complete(parser);
            // The worker closes after a request that does not keep the connection alive.
            if (!parser.head().keep_alive) break;
            parser.next_request();
            FUZZ_CHECK(parser.state() == State::head && parser.head_size() == 0 && parser.body().empty());
            head_seen = false;
            continue;
        }
        if (delivered == stream.size()) break;  // the client went quiet
        std::size_t n = split.next(stream.size() - delivered);
        input.append(stream.substr(delivered, n));
        delivered += n;
    }
    return 0;
}
