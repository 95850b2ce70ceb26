// Parsers reused across requests and connections (worker/parser_pool.h): a recycled parser must
// parse the next request as a new one would, whatever the last one left it in, and the pool must
// not keep what a large request grew.
#include "worker/parser_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace appserver {
namespace {

using State = HttpRequestParser::State;

const std::string kNext = "POST /next?q=1 HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc";

// The next request parses exactly as on a new parser: head, body, nothing of the earlier one.
void expect_parses_as_new(HttpRequestParser& p) {
    EXPECT_EQ(p.feed(kNext.data(), kNext.size()), kNext.size());
    ASSERT_EQ(p.state(), State::complete) << p.error_reason();
    EXPECT_EQ(p.head().method, "POST");
    EXPECT_EQ(p.head().url, "/next?q=1");
    ASSERT_EQ(p.head().headers.size(), 2u);
    EXPECT_EQ(p.head().headers[0].second, "b");
    EXPECT_EQ(p.head().content_length, 3u);
    EXPECT_TRUE(p.head().keep_alive);
    EXPECT_EQ(p.body(), "abc");
    EXPECT_EQ(p.error_status(), 0);
}

struct Case {
    const char* name;
    std::string earlier;  // what the parser saw before it was recycled
};

TEST(ParserRecycle, AfterAnyStateTheNextRequestParsesAsOnANewParser) {
    std::vector<Case> cases = {
        {"complete keep-alive", "GET /a HTTP/1.1\r\nHost: a\r\nX-Old: 1\r\n\r\n"},
        // llhttp refuses every byte after a request that ends the connection, until reinitialized.
        {"Connection: close", "GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
        {"HTTP/1.0", "GET /a HTTP/1.0\r\n\r\n"},
        {"error", "GET /a HTTP/1.1\r\nBad Header: 1\r\n\r\n"},
        {"half a head", "GET /half HTTP/1.1\r\nHost: a\r\nX-Par"},
        {"half a body", "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345"},
        {"half a chunked body", "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"},
        {"nothing", ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        HttpRequestParser p(8192);
        p.feed(c.earlier.data(), c.earlier.size());
        p.recycle();
        EXPECT_EQ(p.state(), State::head);
        EXPECT_FALSE(p.begun());
        EXPECT_EQ(p.head_size(), 0u);
        expect_parses_as_new(p);
    }
}

TEST(ParserRecycle, WhatALargeRequestGrewIsNotKept) {
    HttpRequestParser p(RequestLimits{.max_head_size = 65536, .max_headers = 100, .max_uri = 8190});
    std::string big = "POST /" + std::string(4000, 'u') + " HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 60; ++i) big += "X-H" + std::to_string(i) + ": v\r\n";
    big += "Content-Length: 100000\r\n\r\n" + std::string(100000, 'b');
    ASSERT_EQ(p.feed(big.data(), big.size()), big.size());
    ASSERT_EQ(p.state(), State::complete) << p.error_reason();
    p.recycle();
    EXPECT_LE(p.body().capacity(), 8u * 1024);
    EXPECT_LE(p.head().url.capacity(), 512u);
    EXPECT_LE(p.head().headers.capacity(), 16u);
    expect_parses_as_new(p);
}

TEST(ParserPool, AParserGivenBackServesTheNextTakeOfTheSameLimits) {
    RequestLimits limits{.max_head_size = 4096};
    auto first = parser_pool::take(limits);
    std::string earlier = "GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    first->feed(earlier.data(), earlier.size());
    HttpRequestParser* address = first.get();
    std::size_t before = parser_pool::kept();
    parser_pool::give_back(std::move(first));
    EXPECT_EQ(parser_pool::kept(), before + 1);
    auto again = parser_pool::take(limits);
    EXPECT_EQ(again.get(), address);
    expect_parses_as_new(*again);
    EXPECT_EQ(parser_pool::kept(), before);

    // Other limits: a new parser, the kept one stays for its own kind.
    parser_pool::give_back(std::move(again));
    auto other = parser_pool::take(RequestLimits{.max_head_size = 100});
    EXPECT_NE(other.get(), address);
    EXPECT_EQ(other->limits().max_head_size, 100u);
    parser_pool::give_back(nullptr);  // ignored
}

TEST(ParserPool, KeepsABoundedNumber) {
    std::vector<std::unique_ptr<HttpRequestParser>> many;
    for (int i = 0; i < 100; ++i) many.push_back(parser_pool::take(RequestLimits{}));
    for (auto& p : many) parser_pool::give_back(std::move(p));
    EXPECT_LE(parser_pool::kept(), 32u);
    EXPECT_GT(parser_pool::kept(), 0u);
}

}  // namespace
}  // namespace appserver
