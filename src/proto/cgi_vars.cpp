#include "proto/cgi_vars.h"

#include "appserver/ascii.h"

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
        if (c == '-') c = '_';
        else if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
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
    for (const auto& [n, v] : views_)
        if (n == name) return v;
    return {};
}

void CgiVars::build(const HttpHead& head, const PeerInfo& peer) {
    arena_.clear();
    offsets_.clear();
    views_.clear();

    std::string_view url = head.url;
    std::string_view path = url, query;
    if (auto q = url.find('?'); q != std::string_view::npos) {
        path = url.substr(0, q);
        query = url.substr(q + 1);
    }
    if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
    // An absolute-form target ("http://host/path") carries the path after the authority.
    if (path.starts_with("http://") || path.starts_with("https://")) {
        auto slash = path.find('/', path.find("//") + 2);
        path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    }

    add("REQUEST_METHOD", head.method);
    add("REQUEST_URI", url);
    add("PATH_INFO", percent_decode(path));
    add("QUERY_STRING", query);
    add("SCRIPT_NAME", "");
    add("SERVER_PROTOCOL", head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1");
    add("REMOTE_ADDR", peer.remote_addr);
    add("REMOTE_PORT", std::to_string(peer.remote_port));

    std::string_view host_header;
    // Repeated headers are joined with ", " into one variable, in the order they came.
    std::vector<std::pair<std::string, std::string>> merged;
    merged.reserve(head.headers.size());
    for (const auto& [name, value] : head.headers) {
        // Underscores would let a client spoof a dashed header (X_User vs X-User) after mangling.
        if (name.find('_') != std::string::npos) continue;
        std::string cgi_name;
        if (iequals(name, "content-type")) cgi_name = "CONTENT_TYPE";
        else if (iequals(name, "content-length")) cgi_name = "CONTENT_LENGTH";
        else cgi_name = cgi_header_name(name);
        if (iequals(name, "host") && host_header.empty()) host_header = value;
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
    bool has_content_type = false;
    for (const auto& [name, value] : merged) {
        if (name == "CONTENT_TYPE") has_content_type = true;
        add(name, value);
    }
    if (!has_content_type) add("CONTENT_TYPE", "");

    std::string_view server_name = host_header;
    if (server_name.starts_with("[")) {
        auto close = server_name.find(']');
        server_name = server_name.substr(0, close == std::string_view::npos ? server_name.size() : close + 1);
    } else if (auto colon = server_name.find(':'); colon != std::string_view::npos) {
        server_name = server_name.substr(0, colon);
    }
    add("SERVER_NAME", server_name.empty() ? std::string_view(peer.local_addr) : server_name);
    add("SERVER_PORT", std::to_string(peer.local_port));

    views_.reserve(offsets_.size() / 2);
    for (std::size_t i = 0; i + 1 < offsets_.size(); i += 2) {
        views_.emplace_back(std::string_view(arena_).substr(offsets_[i].first, offsets_[i].second),
                            std::string_view(arena_).substr(offsets_[i + 1].first, offsets_[i + 1].second));
    }
}

}  // namespace appserver
