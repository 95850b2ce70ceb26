#include "proto/cgi_vars.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

CgiVars build(const std::string& raw) {
    HttpRequestParser p(8192);
    p.feed(raw.data(), raw.size());
    EXPECT_NE(p.state(), HttpRequestParser::State::error);
    PeerInfo peer{"10.1.2.3", 5555, "127.0.0.1", 8000};
    CgiVars vars;
    vars.build(p.head(), peer);
    return vars;
}

TEST(CgiVars, RequestLineBecomesCgiVariables) {
    auto v = build("GET /a%20b/c%2Fd?x=1&y=%20 HTTP/1.1\r\nHost: example.org:8080\r\n\r\n");
    EXPECT_EQ(v.get("REQUEST_METHOD"), "GET");
    EXPECT_EQ(v.get("REQUEST_URI"), "/a%20b/c%2Fd?x=1&y=%20");
    EXPECT_EQ(v.get("PATH_INFO"), "/a b/c/d");
    EXPECT_EQ(v.get("QUERY_STRING"), "x=1&y=%20");
    EXPECT_EQ(v.get("SERVER_PROTOCOL"), "HTTP/1.1");
    EXPECT_EQ(v.get("SERVER_NAME"), "example.org");
    EXPECT_EQ(v.get("SERVER_PORT"), "8000");
    EXPECT_EQ(v.get("REMOTE_ADDR"), "10.1.2.3");
    EXPECT_EQ(v.get("REMOTE_PORT"), "5555");
    EXPECT_EQ(v.get("HTTP_HOST"), "example.org:8080");
}

TEST(CgiVars, ContentHeadersHaveNoHttpPrefixAndRepeatsJoin) {
    auto v = build(
        "POST / HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
        "X-Multi: a\r\nx-multi: b\r\nX-Dashed-Name: z\r\n\r\n");
    EXPECT_EQ(v.get("CONTENT_TYPE"), "text/plain");
    EXPECT_EQ(v.get("CONTENT_LENGTH"), "0");
    EXPECT_EQ(v.get("HTTP_X_MULTI"), "a, b");
    EXPECT_EQ(v.get("HTTP_X_DASHED_NAME"), "z");
    EXPECT_EQ(v.get("HTTP_CONTENT_TYPE"), "");
}

TEST(CgiVars, UnderscoreHeadersAreDroppedAgainstSpoofing) {
    auto v = build("GET / HTTP/1.1\r\nX_User: evil\r\nX-User: good\r\n\r\n");
    EXPECT_EQ(v.get("HTTP_X_USER"), "good");
}

TEST(CgiVars, PercentDecodeLeavesBadEscapes) {
    EXPECT_EQ(percent_decode("%41%zz%4"), "A%zz%4");
    EXPECT_EQ(percent_decode("%e2%82%ac"), "\xe2\x82\xac");
}

// The one lookup the core, the uwsgi session and the plugin share (appserver/app_runtime.h).
TEST(FindVar, TellsAnEmptyValueFromAMissingOneAndTheFirstWins) {
    CgiVarList vars{{"QUERY_STRING", ""}, {"HTTPS", "on"}, {"HTTPS", "off"}};
    ASSERT_TRUE(find_var(vars, "QUERY_STRING").has_value());
    EXPECT_EQ(*find_var(vars, "QUERY_STRING"), "");
    EXPECT_FALSE(find_var(vars, "REMOTE_ADDR").has_value());
    EXPECT_FALSE(find_var(vars, "https").has_value());  // names are case-sensitive
    EXPECT_EQ(find_var(vars, "HTTPS"), "on");

    Request request;
    request.vars = vars;
    EXPECT_EQ(request.var("HTTPS"), "on");
    EXPECT_EQ(request.var("REMOTE_ADDR"), "");
}

}  // namespace
}  // namespace appserver
