#include "proto/request_target.h"

#include "appserver/ascii.h"

namespace appserver {
namespace {

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986 unreserved / sub-delims: the characters of a reg-name besides %XX.
bool is_reg_name_char(char c) {
    return is_alnum(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// A reg-name (or IPv4 address, which is a reg-name lexically); may be empty.
bool valid_reg_name(std::string_view host) {
    for (std::size_t i = 0; i < host.size(); ++i) {
        if (host[i] == '%') {
            if (i + 2 >= host.size() || !is_hex(host[i + 1]) || !is_hex(host[i + 2])) return false;
            i += 2;
        } else if (!is_reg_name_char(host[i])) {
            return false;
        }
    }
    return true;
}

// "[...]": an IPv6 address or an IPvFuture literal, checked for its alphabet (not its grammar).
bool valid_ip_literal(std::string_view host) {
    if (host.size() < 3 || host.front() != '[' || host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2))
        if (!is_reg_name_char(c) && c != ':') return false;
    return true;
}

// Splits "host[:port]" at the port's colon (an IP literal's colons are inside its brackets).
std::size_t port_colon(std::string_view authority) {
    std::size_t from = authority.starts_with('[') ? authority.find(']') : 0;
    if (from == std::string_view::npos) return std::string_view::npos;
    return authority.find(':', from);
}

}  // namespace

bool valid_authority(std::string_view authority) {
    std::size_t colon = port_colon(authority);
    std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
        std::string_view port = authority.substr(colon + 1);
        if (port.size() > 5) return false;
        for (char c : port)
            if (c < '0' || c > '9') return false;
    }
    if (host.starts_with('[')) return valid_ip_literal(host);
    return valid_reg_name(host);
}

std::string_view authority_host(std::string_view authority) {
    return authority.substr(0, port_colon(authority));
}

std::optional<RequestTarget> parse_request_target(std::string_view method, std::string_view target) {
    // llhttp lets HTAB and FF through in a target; a proxy that splits the request line on any
    // whitespace (RFC 9112 §3 allows it to) would read another target than ours.
    for (char c : target) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return std::nullopt;
    }
    if (target.starts_with('/'))
        return RequestTarget{.form = TargetForm::origin, .authority = {}, .rest = target};
    if (target == "*") {
        if (method != "OPTIONS") return std::nullopt;
        return RequestTarget{.form = TargetForm::asterisk, .authority = {}, .rest = {}};
    }
    // absolute-form: the scheme is case-insensitive (RFC 3986 §3.1), only ours are served.
    std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    std::string_view scheme = target.substr(0, scheme_end);
    if (!ascii::iequals(scheme, "http") && !ascii::iequals(scheme, "https")) return std::nullopt;
    std::string_view after = target.substr(scheme_end + 3);
    std::size_t end = after.find_first_of("/?#");
    std::string_view authority = after.substr(0, end);
    // No empty host (RFC 9110 §4.2.1), no userinfo (§4.2.4: treat it as an error).
    if (authority_host(authority).empty() || !valid_authority(authority)) return std::nullopt;
    return RequestTarget{.form = TargetForm::absolute,
                         .authority = authority,
                         .rest = end == std::string_view::npos ? std::string_view() : after.substr(end)};
}

}  // namespace appserver
