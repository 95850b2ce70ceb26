#include "proto/http_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace appserver {
namespace {

using State = HttpRequestParser::State;
using namespace std::literals;

// Feeds the whole input at once; returns bytes consumed.
std::size_t feed_all(HttpRequestParser& p, const std::string& in) { return p.feed(in.data(), in.size()); }

TEST(HttpParser, SimpleGet) {
    HttpRequestParser p(8192);
    std::string req = "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Two: a\r\n\r\n";
    EXPECT_EQ(feed_all(p, req), req.size());
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.head().method, "GET");
    EXPECT_EQ(p.head().url, "/a/b?x=1");
    EXPECT_EQ(p.head().version_minor, 1);
    ASSERT_EQ(p.head().headers.size(), 2u);
    EXPECT_EQ(p.head().headers[0].first, "Host");
    EXPECT_EQ(p.head().headers[0].second, "example.com");
    EXPECT_TRUE(p.head().keep_alive);
}

TEST(HttpParser, ByteAtATimeWithContentLengthBody) {
    HttpRequestParser p(8192);
    std::string req = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
    for (char c : req) {
        ASSERT_NE(p.state(), State::error);
        EXPECT_EQ(p.feed(&c, 1), 1u);
    }
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.body(), "hello");
    EXPECT_EQ(p.head().content_length, 5u);
}

TEST(HttpParser, ChunkedBodyDecoded) {
    HttpRequestParser p(8192);
    std::string req =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    EXPECT_EQ(feed_all(p, req), req.size());
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_TRUE(p.head().chunked);
    EXPECT_EQ(p.body(), "abcde");
}

TEST(HttpParser, LengthBodyFedInPlaceIsCountedNotCopied) {
    HttpRequestParser p(8192);
    std::string head = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab";
    EXPECT_EQ(feed_all(p, head), head.size());
    EXPECT_EQ(p.body(), "ab");
    EXPECT_EQ(p.length_body_left(), 8u);
    p.feed_body_in_place("cdefg", 5);
    EXPECT_EQ(p.body(), "ab") << "bytes fed in place stay where the caller read them";
    EXPECT_EQ(p.length_body_left(), 3u);
    ASSERT_EQ(p.state(), State::body);
    p.feed_body_in_place("hij", 3);
    EXPECT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.length_body_left(), 0u);
    // The next request on the connection parses and copies as usual.
    p.next_request();
    std::string next = "POST /q HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy";
    EXPECT_EQ(feed_all(p, next), next.size());
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.body(), "xy");
}

TEST(HttpParser, NoBodyLeftInPlaceForChunkedOrHeadOnly) {
    HttpRequestParser chunked(8192);
    std::string req = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab";
    feed_all(chunked, req);
    ASSERT_EQ(chunked.state(), State::body);
    EXPECT_EQ(chunked.length_body_left(), 0u) << "chunk framing must go through the parser";
    HttpRequestParser partial(8192);
    std::string head_part = "POST / HTTP/1.1\r\nContent-Length: 4\r\n";
    feed_all(partial, head_part);
    EXPECT_EQ(partial.length_body_left(), 0u) << "still in the head";
}

TEST(HttpParser, StopsAtEndOfRequestForPipelining) {
    HttpRequestParser p(8192);
    std::string first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string second = "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string both = first + second;
    std::size_t used = feed_all(p, both);
    EXPECT_EQ(used, first.size());
    EXPECT_EQ(p.head().url, "/1");
    p.next_request();
    EXPECT_EQ(p.feed(both.data() + used, both.size() - used), second.size());
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.head().url, "/2");
}

TEST(HttpParser, NothingOfARequestLeaksIntoTheNextOnTheConnection) {
    HttpRequestParser p(8192);
    std::string first =
        "POST http://example.com/long/target?with=query HTTP/1.1\r\nX-A: 1\r\nX-B: 2\r\n"
        "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nab";
    EXPECT_EQ(feed_all(p, first), first.size());
    ASSERT_EQ(p.state(), State::complete);
    p.next_request();
    std::string second = "GET /2 HTTP/1.0\r\n\r\n";
    EXPECT_EQ(feed_all(p, second), second.size());
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.head().url, "/2");
    EXPECT_EQ(p.head().authority, "");
    EXPECT_EQ(p.head().target_rest(), "/2");
    EXPECT_TRUE(p.head().headers.empty());
    EXPECT_EQ(p.head().content_length, std::nullopt);
    EXPECT_FALSE(p.head().expect_continue);
    EXPECT_EQ(p.head().version_minor, 0);
    EXPECT_FALSE(p.head().keep_alive);
    EXPECT_EQ(p.body(), "");
}

TEST(HttpParser, UpgradeRequestIsTheLastOnItsConnection) {
    // Found by the fuzzer: the request after an Upgrade one came back as an empty "complete" head.
    HttpRequestParser p(8192);
    std::string first = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    std::string both = first + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    std::size_t used = feed_all(p, both);
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_EQ(p.head().url, "/ws");
    EXPECT_FALSE(p.head().keep_alive);
    p.next_request();
    p.feed(both.data() + used, both.size() - used);
    EXPECT_NE(p.state(), State::complete) << "never a phantom request";
}

TEST(HttpParser, Http10DefaultsToClose) {
    HttpRequestParser p(8192);
    feed_all(p, "GET / HTTP/1.0\r\n\r\n");
    ASSERT_EQ(p.state(), State::complete);
    EXPECT_FALSE(p.head().keep_alive);
}

TEST(HttpParser, ConnectionCloseHonoured) {
    HttpRequestParser p(8192);
    feed_all(p, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    EXPECT_FALSE(p.head().keep_alive);
}

TEST(HttpParser, ExpectContinueSeen) {
    HttpRequestParser p(8192);
    feed_all(p, "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    EXPECT_EQ(p.state(), State::body);
    EXPECT_TRUE(p.head().expect_continue);
}

TEST(HttpParser, HeadLargerThanBufferSizeIs431) {
    HttpRequestParser p(1024);
    std::string req = "GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
    feed_all(p, req);
    ASSERT_EQ(p.state(), State::error);
    EXPECT_EQ(p.error_status(), 431);
}

struct BadRequestCase {
    const char* name;
    std::string_view bytes;
    int status;
};

class HttpParserRefuses : public testing::TestWithParam<BadRequestCase> {};

TEST_P(HttpParserRefuses, WithStatus) {
    HttpRequestParser p(8192);
    std::string in(GetParam().bytes);
    feed_all(p, in);
    ASSERT_EQ(p.state(), State::error) << GetParam().name;
    EXPECT_EQ(p.error_status(), GetParam().status) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, HttpParserRefuses,
    testing::Values(
        BadRequestCase{"garbage", "HELLO\r\n\r\n", 400},
        BadRequestCase{"cl_and_te",
                       "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        BadRequestCase{"two_cl", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
        BadRequestCase{"signed_cl", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        BadRequestCase{"space_before_colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
        BadRequestCase{"bad_chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        BadRequestCase{"http2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
        BadRequestCase{"version_2", "GET / HTTP/2.0\r\n\r\n", 505},
        BadRequestCase{"te_not_final_chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                       400},
        BadRequestCase{"te_unknown", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
        BadRequestCase{"cl_overflow", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                       400},
        BadRequestCase{"cl_not_numeric", "POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", 400},
        BadRequestCase{"chunk_overflow",
                       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400},
        BadRequestCase{"obs_fold", "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", 400},
        BadRequestCase{"nul_in_header", "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n"sv, 400},
        BadRequestCase{"bare_cr", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400},
        BadRequestCase{"bad_header_char", "GET / HTTP/1.1\r\nX(A): b\r\n\r\n", 400},
        BadRequestCase{"bad_method", "G@T / HTTP/1.1\r\n\r\n", 400},
        BadRequestCase{"version_1_2", "GET / HTTP/1.2\r\n\r\n", 505},
        BadRequestCase{"version_garbage", "GET / HTTP/x.y\r\n\r\n", 400},
        BadRequestCase{"tls_hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"sv, 400}),
    [](const testing::TestParamInfo<BadRequestCase>& param_info) {
        return std::string(param_info.param.name);
    });

TEST(HttpParserLimits, UriTooLongIs414) {
    HttpRequestParser p(RequestLimits{.max_uri = 100});
    std::string req = "GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n";
    p.feed(req.data(), req.size());
    ASSERT_EQ(p.state(), State::error);
    EXPECT_EQ(p.error_status(), 414);
}

TEST(HttpParserLimits, TooManyHeadersIs431) {
    HttpRequestParser p(RequestLimits{.max_head_size = 1 << 20, .max_headers = 10});
    std::string req = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 11; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
    req += "\r\n";
    p.feed(req.data(), req.size());
    ASSERT_EQ(p.state(), State::error);
    EXPECT_EQ(p.error_status(), 431);
}

TEST(HttpParserLimits, ContentLengthOverLimitPostIs413FromTheHeadAlone) {
    HttpRequestParser p(RequestLimits{.max_body = 1000});
    std::string req = "POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
    p.feed(req.data(), req.size());
    ASSERT_EQ(p.state(), State::error);
    EXPECT_EQ(p.error_status(), 413);
}

TEST(HttpParserLimits, ChunkedBodyOverLimitPostIs413) {
    HttpRequestParser p(RequestLimits{.max_body = 10});
    std::string req =
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n";
    p.feed(req.data(), req.size());
    ASSERT_EQ(p.state(), State::error);
    EXPECT_EQ(p.error_status(), 413);
}

TEST(HttpParserLimits, BodyAtTheLimitPasses) {
    HttpRequestParser p(RequestLimits{.max_body = 5});
    std::string req = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    p.feed(req.data(), req.size());
    EXPECT_EQ(p.state(), State::complete);
}

}  // namespace
}  // namespace appserver

namespace appserver {
namespace {

TEST(HttpParserBegun, AByteOfTheMethodBeginsTheRequest) {
    HttpRequestParser p(8192);
    EXPECT_FALSE(p.begun());
    p.feed("GE", 2);
    EXPECT_TRUE(p.begun());  // nothing counted in head_size() yet, but the parser holds state
    EXPECT_EQ(p.head_size(), 0u);
    const char rest[] = "T / HTTP/1.1\r\n\r\n";
    p.feed(rest, sizeof rest - 1);
    ASSERT_EQ(p.state(), HttpRequestParser::State::complete);
    p.next_request();
    EXPECT_FALSE(p.begun());
}

}  // namespace
}  // namespace appserver
