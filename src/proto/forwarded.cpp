#include "proto/forwarded.h"

#include <algorithm>

#include "appserver/ascii.h"

namespace appserver {
namespace {

using ascii::iequals;

constexpr std::string_view kSeparators = " \t,";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

bool TrustedProxies::add(std::string_view list, std::string& error) {
    while (!list.empty()) {
        auto start = list.find_first_not_of(kSeparators);
        if (start == std::string_view::npos) break;
        list.remove_prefix(start);
        auto end = std::min(list.find_first_of(kSeparators), list.size());
        std::string_view entry = list.substr(0, end);
        list.remove_prefix(end);
        if (entry == "*") {
            any_ = true;
        } else if (iequals(entry, "unix")) {
            unix_ = true;
        } else if (auto block = parse_cidr(entry)) {
            blocks_.push_back(*block);
        } else {
            error = "\"" + std::string(entry) +
                    "\" is not an IP address, a CIDR block (10.0.0.0/8, with no host bits set), unix or *";
            return false;
        }
    }
    return true;
}

bool TrustedProxies::trusts(const IpAddress& address) const {
    if (any_) return true;
    return std::any_of(blocks_.begin(), blocks_.end(),
                       [&](const CidrBlock& b) { return b.contains(address); });
}

bool TrustedProxies::trusts_peer(std::string_view address, bool unix_socket) const {
    if (any_) return true;
    if (unix_socket) return unix_;
    auto parsed = parse_ip(address);
    return parsed && trusts(*parsed);
}

std::string forwarded_client(const TrustedProxies& trusted, std::string_view xff) {
    std::string_view found;  // the last address read (from the right)
    for (int hop = 0; hop < kMaxForwardedHops; ++hop) {
        xff = trim(xff);
        std::size_t comma = xff.rfind(',');
        std::string_view element = trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
        std::string_view address = address_without_port(element);
        auto parsed = parse_ip(address);
        if (!parsed) break;  // unreadable: keep the trusted address to its right, if any
        found = address;
        if (!trusted.trusts(*parsed) || comma == std::string_view::npos) break;
        xff = xff.substr(0, comma);
    }
    return std::string(found);
}

std::string_view forwarded_scheme(std::string_view proto, std::string_view ssl) {
    std::string_view first = trim(proto.substr(0, std::min(proto.find(','), proto.size())));
    if (iequals(first, "https")) return "https";
    if (iequals(first, "http")) return "http";
    ssl = trim(ssl);
    if (iequals(ssl, "on")) return "https";
    if (iequals(ssl, "off")) return "http";
    return {};
}

ForwardedFacts resolve_forwarded(const TrustedProxies& trusted, std::string_view peer_address,
                                 bool unix_socket, const CgiVarList& vars) {
    ForwardedFacts facts;
    if (trusted.empty() || !trusted.trusts_peer(peer_address, unix_socket)) return facts;
    auto var = [&](std::string_view name) { return find_var(vars, name).value_or(std::string_view()); };
    facts.client = forwarded_client(trusted, var("HTTP_X_FORWARDED_FOR"));
    facts.scheme = forwarded_scheme(var("HTTP_X_FORWARDED_PROTO"), var("HTTP_X_FORWARDED_SSL"));
    return facts;
}

void apply_forwarded_client(const ForwardedFacts& facts, CgiVarList& vars) {
    if (facts.client.empty()) return;
    std::string_view peer;
    bool replaced = false;
    std::erase_if(vars, [](const auto& var) { return var.first == "REMOTE_PORT"; });
    for (auto& [name, value] : vars) {
        if (name == "REMOTE_ADDR") {  // every one: the last is what counts (find_var), and the app's environ
            peer = value;
            value = facts.client;
            replaced = true;
        }
    }
    if (!replaced) vars.emplace_back("REMOTE_ADDR", facts.client);
    vars.emplace_back(kProxyAddrVar, peer);
}

}  // namespace appserver
