#include "proto/forwarded.h"

#include <gtest/gtest.h>

#include <string>

namespace appserver {
namespace {

TrustedProxies trusting(std::string_view list) {
    TrustedProxies t;
    std::string error;
    EXPECT_TRUE(t.add(list, error)) << error;
    return t;
}

TEST(TrustedProxies, ListsTakeSpacesAndCommasAndAreRepeatable) {
    TrustedProxies t = trusting("127.0.0.1 10.0.0.0/8,::1 ,  ");
    std::string error;
    EXPECT_TRUE(t.add("192.168.0.0/16", error));
    EXPECT_TRUE(t.trusts_peer("127.0.0.1", false));
    EXPECT_TRUE(t.trusts_peer("10.9.8.7", false));
    EXPECT_TRUE(t.trusts_peer("::1", false));
    EXPECT_TRUE(t.trusts_peer("192.168.4.4", false));
    EXPECT_TRUE(t.trusts_peer("::ffff:127.0.0.1", false));  // a dual-stack listener's IPv4 peer
    EXPECT_FALSE(t.trusts_peer("127.0.0.2", false));
    EXPECT_FALSE(t.trusts_peer("", false));
    EXPECT_FALSE(t.trusts_peer("garbage", false));
}

TEST(TrustedProxies, UnixPeersOnlyWithUnix) {
    EXPECT_FALSE(trusting("127.0.0.1 ::1").trusts_peer("", true));
    EXPECT_TRUE(trusting("unix").trusts_peer("", true));
    EXPECT_TRUE(trusting("UNIX").trusts_peer("", true));
    EXPECT_FALSE(trusting("unix").trusts_peer("127.0.0.1", false));
    EXPECT_TRUE(trusting("*").trusts_peer("", true));
    EXPECT_TRUE(trusting("*").trusts_peer("203.0.113.1", false));
}

TEST(TrustedProxies, BadEntriesAreNamed) {
    for (std::string_view bad :
         {"localhost", "10.0.0.0/33", "10.1.2.3/8", "127.0.0.1 nope", "**", "1.2.3.4;"}) {
        TrustedProxies t;
        std::string error;
        EXPECT_FALSE(t.add(bad, error)) << bad;
        EXPECT_NE(error.find('"'), std::string::npos) << error;
    }
    TrustedProxies t;
    std::string error;
    EXPECT_FALSE(t.add("127.0.0.1 localhost", error));
    EXPECT_EQ(error.rfind("\"localhost\" is not", 0), 0u) << error;
    EXPECT_TRUE(TrustedProxies().empty());
    EXPECT_TRUE(trusting("").empty());
}

TEST(ForwardedClient, RightmostUntrustedAddressAsRealIpRecursive) {
    TrustedProxies t = trusting("10.0.0.0/8 127.0.0.1");
    EXPECT_EQ(forwarded_client(t, "203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(forwarded_client(t, "198.51.100.1, 203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(forwarded_client(t, "198.51.100.1, 203.0.113.7, 10.0.0.2"), "203.0.113.7");
    EXPECT_EQ(forwarded_client(t, "203.0.113.7,10.0.0.3,10.0.0.2"), "203.0.113.7");
    // Every hop trusted: the leftmost is the best guess (nginx does the same).
    EXPECT_EQ(forwarded_client(t, "10.0.0.9, 10.0.0.2"), "10.0.0.9");
    EXPECT_EQ(forwarded_client(t, "  2001:db8::7  "), "2001:db8::7");
    EXPECT_EQ(forwarded_client(t, "[2001:db8::7]:5555"), "2001:db8::7");
    EXPECT_EQ(forwarded_client(t, "203.0.113.7:41000"), "203.0.113.7");
}

TEST(ForwardedClient, WhatTheClientWroteOnTheLeftCannotWin) {
    TrustedProxies t = trusting("10.0.0.0/8 127.0.0.1");
    // A client that sends its own X-Forwarded-For gets its real address appended by the proxy.
    EXPECT_EQ(forwarded_client(t, "127.0.0.1, 203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(forwarded_client(t, "garbage, 203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(forwarded_client(t, std::string(100000, 'x') + ", 203.0.113.7"), "203.0.113.7");
    std::string many;
    for (int i = 0; i < 1000; ++i) many += "127.0.0.1, ";
    EXPECT_EQ(forwarded_client(t, many + "203.0.113.7"), "203.0.113.7");
    // Unreadable behind a trusted hop: the trusted hop, not what lies beyond it.
    EXPECT_EQ(forwarded_client(t, "203.0.113.7, unknown, 10.0.0.2"), "10.0.0.2");
}

TEST(ForwardedClient, MalformedChangesNothing) {
    TrustedProxies t = trusting("10.0.0.0/8");
    for (std::string_view bad :
         {"", " ", ",", "203.0.113.7,", "unknown", "203.0.113.7 198.51.100.1", "203.0.113.7;", "-",
          "203.0.113.300", "\"203.0.113.7\"", "for=203.0.113.7", "::1%lo", "[::1]:x"})
        EXPECT_EQ(forwarded_client(t, bad), "") << bad;
    EXPECT_EQ(forwarded_client(t, std::string(100000, '1')), "");
}

TEST(ForwardedClient, LongTrustedChainsStopAfterTheHopLimit) {
    TrustedProxies t = trusting("10.0.0.0/8");
    std::string chain = "203.0.113.7";
    for (int i = 1; i <= kMaxForwardedHops + 4; ++i) chain += ", 10.0.0." + std::to_string(i);
    // The walk reads kMaxForwardedHops addresses from the right and keeps the last one it read.
    EXPECT_EQ(forwarded_client(t, chain), "10.0.0." + std::to_string(5));
}

TEST(ForwardedScheme, HttpsOrHttpOnlyFirstValue) {
    EXPECT_EQ(forwarded_scheme("https", ""), "https");
    EXPECT_EQ(forwarded_scheme("HTTPS", ""), "https");
    EXPECT_EQ(forwarded_scheme(" http ", ""), "http");
    EXPECT_EQ(forwarded_scheme("https, http", ""), "https");
    EXPECT_EQ(forwarded_scheme("http,https", ""), "http");
    for (std::string_view bad :
         {"", "javascript", "ftp", "https http", "httpss", "wss", ",https", "h\x01ttps"})
        EXPECT_EQ(forwarded_scheme(bad, ""), "") << bad;
    EXPECT_EQ(forwarded_scheme(std::string(100000, 's'), ""), "");
}

TEST(ForwardedScheme, ForwardedSslWhenProtoSaysNothing) {
    EXPECT_EQ(forwarded_scheme("", "on"), "https");
    EXPECT_EQ(forwarded_scheme("", "ON"), "https");
    EXPECT_EQ(forwarded_scheme("", "off"), "http");
    EXPECT_EQ(forwarded_scheme("", "1"), "");
    EXPECT_EQ(forwarded_scheme("http", "on"), "http");
    EXPECT_EQ(forwarded_scheme("garbage", "on"), "https");
}

CgiVarList request_vars() {
    return {{"REQUEST_METHOD", "GET"},
            {"REMOTE_ADDR", "127.0.0.1"},
            {"REMOTE_PORT", "40000"},
            {"HTTP_X_FORWARDED_FOR", "203.0.113.7"},
            {"HTTP_X_FORWARDED_PROTO", "https"}};
}

TEST(ResolveForwarded, NothingUnlessThePeerIsTrusted) {
    CgiVarList vars = request_vars();
    ForwardedFacts none = resolve_forwarded(TrustedProxies(), "127.0.0.1", false, vars);
    EXPECT_EQ(none.client, "");
    EXPECT_EQ(none.scheme, "");
    ForwardedFacts other = resolve_forwarded(trusting("10.0.0.0/8"), "127.0.0.1", false, vars);
    EXPECT_EQ(other.client, "");
    EXPECT_EQ(other.scheme, "");
    ForwardedFacts unix_peer = resolve_forwarded(trusting("127.0.0.1"), "", true, vars);
    EXPECT_EQ(unix_peer.client, "");
    ForwardedFacts trusted = resolve_forwarded(trusting("127.0.0.1"), "127.0.0.1", false, vars);
    EXPECT_EQ(trusted.client, "203.0.113.7");
    EXPECT_EQ(trusted.scheme, "https");
    ForwardedFacts via_unix = resolve_forwarded(trusting("unix"), "", true, vars);
    EXPECT_EQ(via_unix.client, "203.0.113.7");
    EXPECT_EQ(via_unix.scheme, "https");
}

// A front-end that sent REMOTE_ADDR twice: none of them may be left for the app to see.
TEST(ResolveForwarded, ClientReplacesEveryRemoteAddr) {
    CgiVarList vars = request_vars();
    vars.emplace_back("REMOTE_ADDR", "10.9.9.9");
    apply_forwarded_client(resolve_forwarded(trusting("127.0.0.1"), "127.0.0.1", false, vars), vars);
    for (const auto& [name, value] : vars)
        if (name == "REMOTE_ADDR") {
            EXPECT_EQ(value, "203.0.113.7");
        }
}

TEST(ResolveForwarded, ClientReplacesRemoteAddrAndThePeerIsKept) {
    CgiVarList vars = request_vars();
    ForwardedFacts facts = resolve_forwarded(trusting("127.0.0.1"), "127.0.0.1", false, vars);
    apply_forwarded_client(facts, vars);
    EXPECT_EQ(find_var(vars, "REMOTE_ADDR"), "203.0.113.7");
    EXPECT_EQ(find_var(vars, kProxyAddrVar), "127.0.0.1");
    EXPECT_FALSE(find_var(vars, "REMOTE_PORT"));
    EXPECT_EQ(find_var(vars, "HTTP_X_FORWARDED_FOR"), "203.0.113.7");  // still there for the app

    CgiVarList untouched = request_vars();
    apply_forwarded_client(ForwardedFacts{}, untouched);
    EXPECT_EQ(untouched, request_vars());
}

}  // namespace
}  // namespace appserver
