#include "proto/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace appserver {
namespace {

// The longest text inet_pton can accept (an IPv6 address with an embedded IPv4 address), plus NUL.
constexpr std::size_t kMaxAddressText = INET6_ADDRSTRLEN;

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// A decimal number up to `max` (a prefix length or a port), without sign or leading spaces.
std::optional<int> parse_decimal(std::string_view digits, int max) {
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    int value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

bool is_ipv4_text(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos;
}

// Byte `i` of the network mask of a `prefix`-bit block.
std::uint8_t mask_byte(int prefix, std::size_t i) {
    int from = static_cast<int>(i) * 8;
    if (prefix >= from + 8) return 0xff;
    if (prefix <= from) return 0;
    return static_cast<std::uint8_t>(0xff << (8 - (prefix - from)));
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
    // inet_pton wants a NUL-terminated string: copy into a bounded buffer (longer is never an address).
    // An embedded NUL (a uwsgi packet can carry one) would end the text early for inet_pton.
    if (text.empty() || text.size() >= kMaxAddressText || text.find('\0') != std::string_view::npos)
        return std::nullopt;
    char buf[kMaxAddressText];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddress address;
    if (inet_pton(AF_INET, buf, address.bytes.data()) == 1) return address;
    if (inet_pton(AF_INET6, buf, address.bytes.data()) != 1) return std::nullopt;
    if (std::memcmp(address.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0) {
        std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
        std::memset(address.bytes.data() + 4, 0, 12);
        return address;
    }
    address.v6 = true;
    return address;
}

std::string_view address_without_port(std::string_view element) {
    if (element.starts_with('[')) {
        auto close = element.find(']');
        if (close == std::string_view::npos) return {};
        std::string_view rest = element.substr(close + 1);
        if (!rest.empty() && (rest[0] != ':' || !parse_decimal(rest.substr(1), 65535))) return {};
        return element.substr(1, close - 1);
    }
    auto colon = element.find(':');
    if (colon == std::string_view::npos) return element;  // IPv4 (parse_ip judges the rest)
    if (element.find(':', colon + 1) != std::string_view::npos) return element;  // IPv6, no brackets
    // One colon: IPv4 with a port.
    std::string_view host = element.substr(0, colon);
    if (!is_ipv4_text(host) || !parse_decimal(element.substr(colon + 1), 65535)) return {};
    return host;
}

bool CidrBlock::contains(const IpAddress& address) const {
    if (address.v6 != base.v6) return false;
    for (std::size_t i = 0; i < base.bytes.size(); ++i)
        if ((address.bytes[i] & mask_byte(prefix, i)) != base.bytes[i]) return false;
    return true;
}

std::optional<CidrBlock> parse_cidr(std::string_view text) {
    std::string_view address_text = text, prefix_text;
    bool has_prefix = false;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        address_text = text.substr(0, slash);
        prefix_text = text.substr(slash + 1);
        has_prefix = true;
    }
    auto address = parse_ip(address_text);
    if (!address) return std::nullopt;
    // A mapped address was read as IPv4; its prefix must be read on the IPv4 scale then.
    bool mapped = !address->v6 && address_text.find(':') != std::string_view::npos;
    int max = address->v6 ? 128 : 32;
    CidrBlock block{*address, max};
    if (has_prefix) {
        auto prefix = parse_decimal(prefix_text, mapped ? 128 : max);
        if (!prefix) return std::nullopt;
        block.prefix = mapped ? *prefix - 96 : *prefix;
        if (block.prefix < 0) return std::nullopt;
    }
    // Host bits must be clear: 10.1.2.3/8 is more likely a typo than a wish for 10.0.0.0/8.
    for (std::size_t i = 0; i < block.base.bytes.size(); ++i)
        if ((block.base.bytes[i] & ~mask_byte(block.prefix, i)) != 0) return std::nullopt;
    return block;
}

}  // namespace appserver
