#pragma once
// IP addresses and CIDR blocks as text turns them into bytes: for deciding whether a peer is one of the
// proxies an operator trusts (proto/forwarded.h). Pure: no sockets, no allocation.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace appserver {

struct IpAddress {
    bool v6 = false;                       // false: an IPv4 address in bytes[0..3]
    std::array<std::uint8_t, 16> bytes{};  // network order
};

// "192.0.2.1" or "2001:db8::1" (no brackets, no port, no zone). An IPv4-mapped IPv6 address
// (::ffff:192.0.2.1, what a dual-stack listener reports for an IPv4 client) is read as the IPv4
// address, so one list entry covers both forms. nullopt: not an address.
std::optional<IpAddress> parse_ip(std::string_view text);

// The address part of one X-Forwarded-For element: "192.0.2.1", "192.0.2.1:8080",
// "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:8080" (some load balancers add the port, as
// nginx's real_ip module accepts). Empty: none of those shapes.
std::string_view address_without_port(std::string_view element);

struct CidrBlock {
    IpAddress base;  // host bits cleared
    int prefix = 0;  // 0..32 for IPv4, 0..128 for IPv6

    bool contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "::1", "192.0.2.7" (a single address: /32 or /128). Host bits set past the prefix
// (10.1.2.3/8) are refused as a likely typo. nullopt: not a block.
std::optional<CidrBlock> parse_cidr(std::string_view text);

}  // namespace appserver
