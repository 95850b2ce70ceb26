#include "proto/request_target.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

TEST(RequestTarget, Forms) {
    auto origin = parse_request_target("GET", "/a?b");
    ASSERT_TRUE(origin);
    EXPECT_EQ(origin->form, TargetForm::origin);
    EXPECT_EQ(origin->rest, "/a?b");

    auto absolute = parse_request_target("GET", "hTtPs://Example.COM:8443/p?q");
    ASSERT_TRUE(absolute);
    EXPECT_EQ(absolute->form, TargetForm::absolute);
    EXPECT_EQ(absolute->authority, "Example.COM:8443");
    EXPECT_EQ(absolute->rest, "/p?q");
    EXPECT_EQ(parse_request_target("GET", "http://h")->rest, "");

    auto star = parse_request_target("OPTIONS", "*");
    ASSERT_TRUE(star);
    EXPECT_EQ(star->form, TargetForm::asterisk);
}

TEST(RequestTarget, Refused) {
    for (const char* target : {"*", "ftp://h/x", "http:/x", "http://", "http:///x", "http://u@h/x", "h:80",
                               "x", "http://h:x/", "http://[::1/", "/a\tb", "/a\x7f", "http://h\x0c/"})
        EXPECT_FALSE(parse_request_target("GET", target)) << target;
    EXPECT_FALSE(parse_request_target("OPTIONS", "**"));
}

TEST(RequestTarget, Authorities) {
    for (const char* ok : {"", "h", "example.com:80", "EXAMPLE.com.", "127.0.0.1:8000", "[::1]", "[::1]:80",
                           "a_b", "h:", "%41b", "[v1.x]"})
        EXPECT_TRUE(valid_authority(ok)) << ok;
    for (const char* bad :
         {"a b", "h/x", "u@h", "h:123456", "h:8o", "[::1", "[::1]x", "[]", "%4", "h\\x", "h?"})
        EXPECT_FALSE(valid_authority(bad)) << bad;
    EXPECT_EQ(authority_host("h:80"), "h");
    EXPECT_EQ(authority_host("[::1]:80"), "[::1]");
    EXPECT_EQ(authority_host("h"), "h");
}

}  // namespace
}  // namespace appserver
