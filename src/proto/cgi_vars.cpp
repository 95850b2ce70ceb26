#include "proto/cgi_vars.h"

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

std::string cgi_header_name(std::string_view header) {
    std::string name = "HTTP_";
    name.reserve(5 + header.size());
    for (char c : header) {
        if (c == '-')
            c = '_';
        else if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        name += c;
    }
    return name;
}

}  // namespace

std::string percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size()) {
            int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += in[i];
    }
    return out;
}

void CgiVars::add(std::string_view name, std::string_view value) {
    offsets_.emplace_back(arena_.size(), name.size());
    arena_ += name;
    offsets_.emplace_back(arena_.size(), value.size());
    arena_ += value;
}

std::string_view CgiVars::get(std::string_view name) const {
    return find_var(views_, name).value_or(std::string_view());
}

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
    std::string request_uri(rest);
    if (head.target_form == TargetForm::asterisk) {
        request_uri = "*";
        path = {};
    } else if (!rest.starts_with('/')) {  // "http://host" or "http://host?q"
        request_uri.insert(0, "/");
        path = "/";
    }

    add("REQUEST_METHOD", head.method);
    add("REQUEST_URI", request_uri);
    add("PATH_INFO", percent_decode(path));
    add("QUERY_STRING", query);
    add("SCRIPT_NAME", "");
    add("SERVER_PROTOCOL", head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1");
    add("REMOTE_ADDR", peer.remote_addr);
    add("REMOTE_PORT", std::to_string(peer.remote_port));

    // RFC 9112 §3.2.2: an absolute-form target's authority replaces the Host header.
    bool absolute = head.target_form == TargetForm::absolute;
    std::string_view host_header = absolute ? std::string_view(head.authority) : std::string_view();
    // Repeated headers are joined with ", " into one variable, in the order they came.
    std::vector<std::pair<std::string, std::string>> merged;
    merged.reserve(head.headers.size());
    for (const auto& [name, value] : head.headers) {
        // Underscores would let a client spoof a dashed header (X_User vs X-User) after mangling.
        if (name.find('_') != std::string::npos) continue;
        std::string cgi_name;
        if (iequals(name, "content-type"))
            cgi_name = "CONTENT_TYPE";
        else if (iequals(name, "content-length"))
            cgi_name = "CONTENT_LENGTH";
        else
            cgi_name = cgi_header_name(name);
        if (iequals(name, "host")) {
            if (absolute) continue;
            host_header = value;
        }
        bool joined = false;
        for (auto& m : merged) {
            if (m.first == cgi_name) {
                m.second += ", ";
                m.second += value;
                joined = true;
                break;
            }
        }
        if (!joined) merged.emplace_back(std::move(cgi_name), value);
    }
    if (absolute) merged.emplace_back("HTTP_HOST", head.authority);
    bool has_content_type = false;
    for (const auto& [name, value] : merged) {
        if (name == "CONTENT_TYPE") has_content_type = true;
        add(name, value);
    }
    if (!has_content_type) add("CONTENT_TYPE", "");

    std::string_view server_name = authority_host(host_header);
    add("SERVER_NAME", server_name.empty() ? std::string_view(peer.local_addr) : server_name);
    add("SERVER_PORT", std::to_string(peer.local_port));

    views_.reserve(offsets_.size() / 2);
    for (std::size_t i = 0; i + 1 < offsets_.size(); i += 2) {
        views_.emplace_back(std::string_view(arena_).substr(offsets_[i].first, offsets_[i].second),
                            std::string_view(arena_).substr(offsets_[i + 1].first, offsets_[i + 1].second));
    }
}

}  // namespace appserver
