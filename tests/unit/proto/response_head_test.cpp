#include "proto/response_head.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

using Body = ResponseFraming::Body;

RequestFacts get11() { return RequestFacts{false, true, true}; }

TEST(ResponseFraming, AppContentLengthWins) {
    auto f = choose_framing(200, {{"Content-Length", "42"}}, 7, get11());
    EXPECT_EQ(f.body, Body::content_length);
    EXPECT_EQ(f.content_length, 42u);
    EXPECT_TRUE(f.keep_alive);
}

TEST(ResponseFraming, KnownBodyGetsContentLength) {
    auto f = choose_framing(200, {}, 11, get11());
    EXPECT_EQ(f.body, Body::content_length);
    EXPECT_EQ(f.content_length, 11u);
}

TEST(ResponseFraming, UnknownBodyIsChunkedOnHttp11) {
    auto f = choose_framing(200, {}, std::nullopt, get11());
    EXPECT_EQ(f.body, Body::chunked);
    EXPECT_TRUE(f.keep_alive);
}

TEST(ResponseFraming, UnknownBodyClosesOnHttp10) {
    auto f = choose_framing(200, {}, std::nullopt, RequestFacts{false, false, true});
    EXPECT_EQ(f.body, Body::until_close);
    EXPECT_FALSE(f.keep_alive);
}

TEST(ResponseFraming, HeadSendsNoBodyButKeepsLength) {
    auto f = choose_framing(200, {}, 11, RequestFacts{true, true, true});
    EXPECT_FALSE(f.send_body);
    EXPECT_EQ(f.body, Body::content_length);
    auto g = choose_framing(200, {}, std::nullopt, RequestFacts{true, true, true});
    EXPECT_EQ(g.body, Body::none);
    EXPECT_TRUE(g.keep_alive);
}

TEST(ResponseFraming, NoContentAndNotModifiedHaveNoBody) {
    for (int status : {204, 304, 101}) {
        auto f = choose_framing(status, {}, 5, get11());
        EXPECT_EQ(f.body, Body::none) << status;
        EXPECT_FALSE(f.send_body) << status;
    }
}

TEST(ResponseFraming, InterimStatusNeverKeepsTheConnection) {
    for (int status : {100, 101, 103, 199}) {
        auto f = choose_framing(status, {}, std::nullopt, get11());
        EXPECT_FALSE(f.keep_alive) << status;
        EXPECT_EQ(f.body, Body::none) << status;
    }
}

TEST(ResponseHead, SerializesStatusHeadersDateAndFraming) {
    auto f = choose_framing(200, {}, 11, get11());
    std::string out;
    append_response_head(out, "200 OK", {{"Content-Type", "text/html"}, {"Connection", "upgrade"}}, f, true);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nDate: "));
    EXPECT_NE(out.find("\r\nContent-Length: 11\r\n"), std::string::npos);
    EXPECT_EQ(out.find("upgrade"), std::string::npos) << "hop-by-hop headers are the server's";
    EXPECT_TRUE(out.ends_with("\r\n\r\n"));
}

TEST(ResponseHead, CloseAndHttp10KeepAliveSaySo) {
    auto close = choose_framing(200, {}, 1, RequestFacts{false, true, false});
    std::string a;
    append_response_head(a, "200 OK", {}, close, true);
    EXPECT_NE(a.find("Connection: close\r\n"), std::string::npos);
    auto ka10 = choose_framing(200, {}, 1, RequestFacts{false, false, true});
    std::string b;
    append_response_head(b, "200 OK", {}, ka10, false);
    EXPECT_TRUE(b.starts_with("HTTP/1.0 200 OK"));
    EXPECT_NE(b.find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST(ResponseHead, StatusCode) {
    EXPECT_EQ(status_code("404 Not Found"), 404);
    EXPECT_EQ(status_code("abc"), 0);
    EXPECT_EQ(status_code("20"), 0);
}


TEST(ExtraHeaders, ParsesHeaderLines) {
    std::pair<std::string, std::string> h;
    ASSERT_TRUE(parse_header_line("X-Frame-Options:   DENY  ", h));
    EXPECT_EQ(h.first, "X-Frame-Options");
    EXPECT_EQ(h.second, "DENY");
    ASSERT_TRUE(parse_header_line("X-Empty:", h));
    EXPECT_EQ(h.second, "");
    EXPECT_FALSE(parse_header_line("no colon here", h));
    EXPECT_FALSE(parse_header_line(": value", h));
    EXPECT_FALSE(parse_header_line("Bad Name: x", h));
    EXPECT_FALSE(parse_header_line(std::string_view("X-A: a\r\nInjected: 1"), h));
}

TEST(ExtraHeaders, AddedAfterTheAppsAndRemovedByName) {
    set_extra_headers({{{"X-Served-By", "appserver"}}, {"server", "X-POWERED-BY"}});
    ResponseFraming f;
    f.body = ResponseFraming::Body::content_length;
    f.content_length = 2;
    f.keep_alive = true;
    std::string out;
    append_response_head(out, "200 OK", {{"Server", "app"}, {"Content-Type", "text/plain"}, {"X-Powered-By", "x"}},
                         f, true);
    set_extra_headers({});
    EXPECT_EQ(out.find("Server:"), std::string::npos);
    EXPECT_EQ(out.find("X-Powered-By"), std::string::npos);
    auto type = out.find("Content-Type: text/plain\r\n");
    auto added = out.find("X-Served-By: appserver\r\n");
    ASSERT_NE(type, std::string::npos);
    ASSERT_NE(added, std::string::npos);
    EXPECT_LT(type, added);
    // Cleared: the next head has none of it.
    std::string plain;
    append_response_head(plain, "200 OK", {{"Server", "app"}}, f, true);
    EXPECT_NE(plain.find("Server: app\r\n"), std::string::npos);
    EXPECT_EQ(plain.find("X-Served-By"), std::string::npos);
}

}  // namespace
}  // namespace appserver
