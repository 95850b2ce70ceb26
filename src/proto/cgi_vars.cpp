#include "proto/cgi_vars.h"

#include <charconv>

#include "appserver/ascii.h"
#include "proto/request_target.h"

namespace appserver {
namespace {

using ascii::iequals;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// HTTP_<NAME> with '-' as '_' and letters upper-cased, appended to `out`.
void append_cgi_header_name(std::string& out, std::string_view header) {
    out += "HTTP_";
    for (char c : header) {
        if (c == '-')
            c = '_';
        else if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        out += c;
    }
}

void append_decimal(std::string& out, int value) {
    char digits[16];
    auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    if (error == std::errc()) out.append(digits, static_cast<std::size_t>(end - digits));
}

}  // namespace

void append_percent_decoded(std::string& out, std::string_view in) {
    std::size_t done = 0;  // runs without '%' are copied whole
    for (std::size_t i = in.find('%'); i != std::string_view::npos && i + 2 < in.size(); i = in.find('%', i + 1)) {
        int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) continue;
        out.append(in.data() + done, i - done);
        out += static_cast<char>(hi * 16 + lo);
        done = i + 3;
        i += 2;
    }
    out.append(in.data() + done, in.size() - done);
}

std::string percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    append_percent_decoded(out, in);
    return out;
}

void CgiVars::add(std::string_view name, std::string_view value) {
    open_name();
    arena_ += name;
    close_name();
    arena_ += value;
    close_value();
}

void CgiVars::open_name() { name_start_ = arena_.size(); }

void CgiVars::close_name() {
    offsets_.emplace_back(name_start_, arena_.size() - name_start_);
    value_start_ = arena_.size();
}

void CgiVars::close_value() { offsets_.emplace_back(value_start_, arena_.size() - value_start_); }

std::string_view CgiVars::get(std::string_view name) const {
    return find_var(views_, name).value_or(std::string_view());
}

// Every variable is written straight into the arena (its capacity stays from one request to the
// next), so a request costs no allocation here once the connection's first request has been seen.
void CgiVars::build(const HttpHead& head, const PeerInfo& peer) {
    arena_.clear();
    offsets_.clear();
    views_.clear();

    // The parser has sorted the target: origin-form ("/p?q"), absolute-form (the path after
    // "http://authority"; "/" when there is none), or "*" (OPTIONS): PATH_INFO "" as PEP 3333
    // allows, REQUEST_URI "*" so the application can tell it from "/".
    std::string_view rest = head.target_rest();
    std::string_view path = rest, query;
    if (auto hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
    if (auto q = path.find('?'); q != std::string_view::npos) {
        query = path.substr(q + 1);
        path = path.substr(0, q);
    }

    add("REQUEST_METHOD", head.method);
    open_name();
    arena_ += "REQUEST_URI";
    close_name();
    if (head.target_form == TargetForm::asterisk) {
        arena_ += '*';
        path = {};
    } else if (!rest.starts_with('/')) {  // "http://host" or "http://host?q"
        arena_ += '/';
        arena_ += rest;
        path = "/";
    } else {
        arena_ += rest;
    }
    close_value();
    open_name();
    arena_ += "PATH_INFO";
    close_name();
    append_percent_decoded(arena_, path);
    close_value();
    add("QUERY_STRING", query);
    add("SCRIPT_NAME", "");
    add("SERVER_PROTOCOL", head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1");
    add("REMOTE_ADDR", peer.remote_addr);
    open_name();
    arena_ += "REMOTE_PORT";
    close_name();
    append_decimal(arena_, peer.remote_port);
    close_value();

    // RFC 9112 §3.2.2: an absolute-form target's authority replaces the Host header.
    bool absolute = head.target_form == TargetForm::absolute;
    std::string_view host_header = absolute ? std::string_view(head.authority) : std::string_view();
    bool has_content_type = false;
    const auto& headers = head.headers;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const std::string& name = headers[i].first;
        // Underscores would let a client spoof a dashed header (X_User vs X-User) after mangling.
        if (name.find('_') != std::string::npos) continue;
        if (iequals(name, "host")) {
            if (absolute) continue;
            host_header = headers[i].second;
        }
        // Repeated headers are one variable, their values joined with ", " in the order they came,
        // at the place of the first: a later one was joined already.
        bool repeat = false;
        for (std::size_t j = 0; j < i && !repeat; ++j) repeat = iequals(headers[j].first, name);
        if (repeat) continue;
        open_name();
        if (iequals(name, "content-type")) {
            arena_ += "CONTENT_TYPE";
            has_content_type = true;
        } else if (iequals(name, "content-length")) {
            arena_ += "CONTENT_LENGTH";
        } else {
            append_cgi_header_name(arena_, name);
        }
        close_name();
        arena_ += headers[i].second;
        for (std::size_t j = i + 1; j < headers.size(); ++j) {
            if (!iequals(headers[j].first, name)) continue;
            arena_ += ", ";
            arena_ += headers[j].second;
        }
        close_value();
    }
    if (absolute) add("HTTP_HOST", head.authority);
    if (!has_content_type) add("CONTENT_TYPE", "");

    std::string_view server_name = authority_host(host_header);
    add("SERVER_NAME", server_name.empty() ? std::string_view(peer.local_addr) : server_name);
    open_name();
    arena_ += "SERVER_PORT";
    close_name();
    append_decimal(arena_, peer.local_port);
    close_value();

    views_.reserve(offsets_.size() / 2);
    for (std::size_t i = 0; i + 1 < offsets_.size(); i += 2) {
        views_.emplace_back(std::string_view(arena_).substr(offsets_[i].first, offsets_[i].second),
                            std::string_view(arena_).substr(offsets_[i + 1].first, offsets_[i + 1].second));
    }
}

}  // namespace appserver
