#include "proto/cgi_vars.h"

#include <gtest/gtest.h>

#include <algorithm>

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

// One CgiVars serves every request of a thread: nothing of a longer request may leak into a
// shorter one, and a repeated header is joined at its first place, in arrival order.
TEST(CgiVars, ReusedForTheNextRequestKeepsNothingOfTheLast) {
    HttpRequestParser p(8192);
    PeerInfo peer{"10.1.2.3", 5555, "127.0.0.1", 8000};
    CgiVars vars;
    std::string first = "GET /long/path?q=1 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-B: 2\r\nx-a: 3\r\n\r\n";
    p.feed(first.data(), first.size());
    vars.build(p.head(), peer);
    EXPECT_EQ(vars.get("HTTP_X_A"), "1, 3");
    std::vector<std::string> names;
    for (const auto& [name, value] : vars.vars()) names.emplace_back(name);
    auto a = std::find(names.begin(), names.end(), "HTTP_X_A");
    auto b = std::find(names.begin(), names.end(), "HTTP_X_B");
    EXPECT_LT(a, b);  // X-A first came before X-B
    EXPECT_EQ(std::count(names.begin(), names.end(), "HTTP_X_A"), 1);

    HttpRequestParser q(8192);
    std::string second = "GET http://h2/ HTTP/1.0\r\n\r\n";
    q.feed(second.data(), second.size());
    vars.build(q.head(), PeerInfo{"::1", 7, "::1", 80});
    EXPECT_EQ(vars.get("REQUEST_URI"), "/");
    EXPECT_EQ(vars.get("PATH_INFO"), "/");
    EXPECT_EQ(vars.get("HTTP_HOST"), "h2");
    EXPECT_EQ(vars.get("SERVER_NAME"), "h2");
    EXPECT_EQ(vars.get("SERVER_PORT"), "80");
    EXPECT_EQ(vars.get("REMOTE_PORT"), "7");
    EXPECT_EQ(vars.get("SERVER_PROTOCOL"), "HTTP/1.0");
    EXPECT_FALSE(find_var(vars.vars(), "HTTP_X_A").has_value());
    EXPECT_FALSE(find_var(vars.vars(), "HTTP_X_B").has_value());
}

TEST(CgiVars, PercentDecodeLeavesBadEscapes) {
    EXPECT_EQ(percent_decode("%41%zz%4"), "A%zz%4");
    EXPECT_EQ(percent_decode("%e2%82%ac"), "\xe2\x82\xac");
    EXPECT_EQ(percent_decode("plain"), "plain");
    EXPECT_EQ(percent_decode("a%2"), "a%2");
    EXPECT_EQ(percent_decode("%%41"), "%A");
    EXPECT_EQ(percent_decode("%41%42"), "AB");
}

// The one lookup the core, the uwsgi session and the plugin share (appserver/app_runtime.h).
// The last of a name sent twice wins, as in uWSGI and in the application's environ.
TEST(FindVar, TellsAnEmptyValueFromAMissingOneAndTheLastWins) {
    CgiVarList vars{{"QUERY_STRING", ""}, {"HTTPS", "on"}, {"HTTPS", "off"}};
    ASSERT_TRUE(find_var(vars, "QUERY_STRING").has_value());
    EXPECT_EQ(*find_var(vars, "QUERY_STRING"), "");
    EXPECT_FALSE(find_var(vars, "REMOTE_ADDR").has_value());
    EXPECT_FALSE(find_var(vars, "https").has_value());  // names are case-sensitive
    EXPECT_EQ(find_var(vars, "HTTPS"), "off");

    Request request;
    request.vars = vars;
    EXPECT_EQ(request.var("HTTPS"), "off");
    EXPECT_EQ(request.var("REMOTE_ADDR"), "");
}

}  // namespace
}  // namespace appserver
