#include "proto/response_head.h"

#include <charconv>

#include "appserver/ascii.h"
#include "proto/http_date.h"

namespace appserver {
namespace {

using ascii::iequals;

// Headers about the connection and the framing are the server's to write (PEP 3333 forbids the
// application hop-by-hop headers); Content-Length is read, then written by us.
bool server_owned(std::string_view name) {
    return iequals(name, "connection") || iequals(name, "transfer-encoding") || iequals(name, "keep-alive") ||
           iequals(name, "content-length") || iequals(name, "date");
}

std::optional<std::uint64_t> app_content_length(const HeaderList& headers) {
    for (const auto& [name, value] : headers) {
        if (!iequals(name, "content-length")) continue;
        std::uint64_t n = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec == std::errc() && ptr == value.data() + value.size()) return n;
        return std::nullopt;
    }
    return std::nullopt;
}

ExtraHeaders& extra_headers() {
    static ExtraHeaders extra;
    return extra;
}

bool removed(std::string_view name) {
    for (const std::string& r : extra_headers().remove)
        if (iequals(name, r)) return true;
    return false;
}

}  // namespace

void set_extra_headers(ExtraHeaders extra) {
    // The framing headers stay the server's: `add-header = Connection: close` (keystone's and
    // searxng's ini files have it) means "close after each response", which the framing then
    // says itself; other framing headers added by hand would contradict the real framing.
    ExtraHeaders& kept = extra_headers();
    kept = ExtraHeaders{};
    kept.remove = std::move(extra.remove);
    for (auto& header : extra.add) {
        if (iequals(header.first, "connection") && iequals(header.second, "close")) kept.close = true;
        if (!server_owned(header.first)) kept.add.push_back(std::move(header));
    }
}

bool parse_header_line(std::string_view line, std::pair<std::string, std::string>& out) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view name = line.substr(0, colon);
    if (!ascii::is_token(name)) return false;
    std::string_view value = ascii::trim(line.substr(colon + 1));
    for (char c : value)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    out = {std::string(name), std::string(value)};
    return true;
}

int status_code(std::string_view status) {
    if (status.size() < 3) return 0;
    int code = 0;
    for (int i = 0; i < 3; ++i) {
        if (status[i] < '0' || status[i] > '9') return 0;
        code = code * 10 + (status[i] - '0');
    }
    return code;
}

ResponseFraming choose_framing(int status, const HeaderList& app_headers,
                               std::optional<std::uint64_t> known_length, const RequestFacts& request) {
    ResponseFraming f;
    // A 1xx is never a final response (start_response refuses it); should one come this far, the
    // client would read the next response as this one's: end the connection after it instead.
    f.keep_alive = request.keep_alive && status >= 200 && !extra_headers().close;
    bool bodiless_status = (status >= 100 && status < 200) || status == 204 || status == 304;
    f.send_body = !request.head_method && !bodiless_status;
    std::optional<std::uint64_t> length = app_content_length(app_headers);
    if (!length) length = known_length;
    if (bodiless_status) {
        f.body = ResponseFraming::Body::none;
    } else if (length) {
        f.body = ResponseFraming::Body::content_length;
        f.content_length = *length;
    } else if (request.head_method) {
        f.body = ResponseFraming::Body::none;
    } else if (request.http11) {
        f.body = ResponseFraming::Body::chunked;
    } else {
        f.body = ResponseFraming::Body::until_close;
        f.keep_alive = false;
    }
    return f;
}

void append_response_head(std::string& out, std::string_view status, const HeaderList& app_headers,
                          const ResponseFraming& framing, bool http11) {
    const ExtraHeaders& extra = extra_headers();
    // One allocation for the whole head instead of one per doubling: the status line, the
    // headers, and room for what the server adds (Date, Content-Length, Connection).
    std::size_t size = out.size() + status.size() + 128;
    for (const auto& [name, value] : app_headers) size += name.size() + value.size() + 4;
    for (const auto& [name, value] : extra.add) size += name.size() + value.size() + 4;
    out.reserve(size);
    out += http11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    out += status;
    out += "\r\n";
    for (const auto& [name, value] : app_headers) {
        if (server_owned(name) || (!extra.remove.empty() && removed(name))) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    for (const auto& [name, value] : extra.add) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "Date: ";
    out += http_date_now();
    out += "\r\n";
    if (framing.body == ResponseFraming::Body::content_length) {
        char buf[24];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, framing.content_length);
        out += "Content-Length: ";
        out.append(buf, end);
        out += "\r\n";
    } else if (framing.body == ResponseFraming::Body::chunked) {
        out += "Transfer-Encoding: chunked\r\n";
    }
    if (!framing.keep_alive) {
        out += "Connection: close\r\n";
    } else if (!http11) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
}

}  // namespace appserver
