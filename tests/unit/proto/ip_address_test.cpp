#include "proto/ip_address.h"

#include <gtest/gtest.h>

#include <string>

namespace appserver {
namespace {

bool in_block(std::string_view block, std::string_view address) {
    auto b = parse_cidr(block);
    auto a = parse_ip(address);
    EXPECT_TRUE(b.has_value()) << block;
    EXPECT_TRUE(a.has_value()) << address;
    return b && a && b->contains(*a);
}

TEST(IpAddress, ParsesIpv4AndIpv6Only) {
    EXPECT_TRUE(parse_ip("192.0.2.1"));
    EXPECT_TRUE(parse_ip("2001:db8::1"));
    EXPECT_TRUE(parse_ip("::1"));
    for (std::string_view bad : {"", "unknown", "192.0.2", "192.0.2.256", "192.0.2.1 ", " 192.0.2.1", "[::1]",
                                 "::1%eth0", "192.0.2.1:80", "1.2.3.4.5", "0x7f.0.0.1"})
        EXPECT_FALSE(parse_ip(bad)) << bad;
    EXPECT_FALSE(parse_ip(std::string(200, '1')));
    EXPECT_FALSE(parse_ip(std::string_view("1.2.3.4\0x", 9)));
}

TEST(IpAddress, V4MappedIpv6IsTheIpv4Address) {
    auto mapped = parse_ip("::ffff:10.1.2.3");
    auto plain = parse_ip("10.1.2.3");
    ASSERT_TRUE(mapped && plain);
    EXPECT_FALSE(mapped->v6);
    EXPECT_EQ(mapped->bytes, plain->bytes);
    EXPECT_TRUE(in_block("10.0.0.0/8", "::ffff:10.1.2.3"));
    EXPECT_TRUE(in_block("::ffff:10.0.0.0/104", "10.200.0.1"));
}

TEST(IpAddress, CidrBlocksContainTheirAddresses) {
    EXPECT_TRUE(in_block("10.0.0.0/8", "10.255.1.2"));
    EXPECT_FALSE(in_block("10.0.0.0/8", "11.0.0.1"));
    EXPECT_TRUE(in_block("192.168.1.128/25", "192.168.1.200"));
    EXPECT_FALSE(in_block("192.168.1.128/25", "192.168.1.127"));
    EXPECT_TRUE(in_block("127.0.0.1", "127.0.0.1"));
    EXPECT_FALSE(in_block("127.0.0.1", "127.0.0.2"));
    EXPECT_TRUE(in_block("0.0.0.0/0", "203.0.113.9"));
    EXPECT_FALSE(in_block("0.0.0.0/0", "2001:db8::1"));  // families never mix
    EXPECT_TRUE(in_block("2001:db8::/32", "2001:db8:ffff::1"));
    EXPECT_FALSE(in_block("2001:db8::/32", "2001:db9::1"));
    EXPECT_TRUE(in_block("::1", "::1"));
    EXPECT_FALSE(in_block("::1", "127.0.0.1"));
    EXPECT_TRUE(in_block("fc00::/7", "fdff::1"));
}

TEST(IpAddress, BadBlocksAreRefused) {
    for (std::string_view bad :
         {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.1.2.3/8", "::1/129", "localhost",
          "10.0.0.0/ 8", "10.0.0.0/x", "::ffff:1.2.3.4/64", ""})
        EXPECT_FALSE(parse_cidr(bad)) << bad;
}

TEST(IpAddress, ForwardedElementsMayCarryAPort) {
    EXPECT_EQ(address_without_port("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(address_without_port("192.0.2.1:8080"), "192.0.2.1");
    EXPECT_EQ(address_without_port("2001:db8::1"), "2001:db8::1");
    EXPECT_EQ(address_without_port("[2001:db8::1]"), "2001:db8::1");
    EXPECT_EQ(address_without_port("[2001:db8::1]:443"), "2001:db8::1");
    EXPECT_EQ(address_without_port("192.0.2.1:"), "");
    EXPECT_EQ(address_without_port("192.0.2.1:99999"), "");
    EXPECT_EQ(address_without_port("[2001:db8::1"), "");
    EXPECT_EQ(address_without_port("[2001:db8::1]x"), "");
    EXPECT_EQ(address_without_port("host:80"), "");
}

}  // namespace
}  // namespace appserver
