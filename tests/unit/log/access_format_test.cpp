#include "log/access_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "log/access_log.h"
#include "log/log_target.h"

namespace appserver::log {
namespace {

// 2026-11-27 10:20:42.741963 UTC, the request took 3879 µs.
constexpr std::int64_t kStart = 1795774842741963;

class AccessFormatTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
        vars = {{"REMOTE_ADDR", "127.0.0.1"},
                {"HTTP_X_Y", "yy"},
                {"QUERY_STRING", "x=1"},
                {"CONTENT_LENGTH", "12"}};
        r.addr = "127.0.0.1";
        r.method = "GET";
        r.uri = "/a?x=1";
        r.proto = "HTTP/1.1";
        r.host = "h";
        r.referer = "http://r/";
        r.uagent = "curl/7.88.1";
        r.vars = &vars;
        r.status = 200;
        r.body_bytes = 11;
        r.head_bytes = 53;
        r.header_count = 2;
        r.start_us = kStart;
        r.end_us = kStart + 3879;
        r.pid = 4242;
        r.wid = 3;
    }
    std::string render(std::string_view spec, bool memory = false) {
        std::string out;
        AccessFormat::compile(spec, memory).render(r, out);
        return out;
    }
    CgiVarList vars;
    AccessRecord r;
};

// The values uWSGI 2.0.21 printed for the same request (checked live: docs/logging.md).
TEST_F(AccessFormatTest, UwsgiVariablesMeanWhatTheyMeanInUwsgi) {
    EXPECT_EQ(render("%(addr) %(user) %(method) %(uri) %(proto) %(status) %(host) %(referer) %(uagent)"),
              "127.0.0.1 - GET /a?x=1 HTTP/1.1 200 h http://r/ curl/7.88.1");
    // size is head + body; rsize the body; hsize the head; headers the number of headers.
    EXPECT_EQ(render("%(size) %(rsize) %(hsize) %(headers)"), "64 11 53 2");
    EXPECT_EQ(render("%(msecs) %(micros) %(secs)"), "3 3879 0.003879");
    EXPECT_EQ(render("%(time) %(tmsecs) %(tmicros) %(epoch)"),
              "1795774842 1795774842741 1795774842741963 1795774842");
    EXPECT_EQ(render("[%(ltime)] [%(ctime)]"), "[27/Nov/2026:10:20:42 +0000] [Fri Nov 27 10:20:42 2026]");
    EXPECT_EQ(render("%(pid) %(wid) %(var.HTTP_X_Y) %(var.QUERY_STRING) %(var.NOPE) %(cl) %(vars)"),
              "4242 3 yy x=1 - 12 4");
    EXPECT_EQ(render("%(mtime)ms %(iso8601) %(via)"), "3.879ms 2026-11-27T10:20:42+00:00 app");
}

TEST_F(AccessFormatTest, CompiledOnceIntoParts) {
    AccessFormat f = AccessFormat::compile("A=%(addr) %(nonexist) %(status)%% 100%(x");
    ASSERT_EQ(f.parts().size(), 7u);
    EXPECT_EQ(f.parts()[0].text, "A=");
    EXPECT_EQ(f.parts()[1].field, AccessFormat::Field::addr);
    EXPECT_EQ(f.parts()[3].field, AccessFormat::Field::unknown);
    EXPECT_EQ(f.unknown(), std::vector<std::string>{"nonexist"});
    std::string out;
    f.render(r, out);
    EXPECT_EQ(out, "A=127.0.0.1 - 200%% 100%(x");  // unknown: "-", as uWSGI prints an unset logvar
}

// nginx 1.22's combined line for the same request (log_format combined, escape=default).
TEST_F(AccessFormatTest, CombinedIsNginxCombined) {
    EXPECT_EQ(
        render("combined"),
        R"j(127.0.0.1 - - [27/Nov/2026:10:20:42 +0000] "GET /a?x=1 HTTP/1.1" 200 11 "http://r/" "curl/7.88.1")j");
    r.referer = "";
    r.uagent = "";
    r.user = "bob";
    EXPECT_EQ(render("combined"),
              R"j(127.0.0.1 - bob [27/Nov/2026:10:20:42 +0000] "GET /a?x=1 HTTP/1.1" 200 11 "-" "-")j");
}

TEST_F(AccessFormatTest, DefaultLineKeepsItsShape) {
    EXPECT_EQ(render(""), R"(127.0.0.1 "GET /a?x=1 HTTP/1.1" 200 11 3.879ms)");
}

TEST_F(AccessFormatTest, TextEscapesAsNginxSoNoLineCanBeForged) {
    r.uri = "/x\n127.0.0.1 - - [forged] \"GET / HTTP/1.1\" 200";
    r.uagent = "a\"b\\c\x01\x7f\xff\xc3\xa9";
    std::string line = render("combined");
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_NE(line.find(R"("GET /x\x0A127.0.0.1 - - [forged] \x22GET / HTTP/1.1\x22 200 HTTP/1.1")"),
              std::string::npos)
        << line;
    EXPECT_NE(line.find(R"("a\x22b\x5Cc\x01\x7F\xFF\xC3\xA9")"), std::string::npos) << line;
}

TEST_F(AccessFormatTest, JsonIsOneEscapedObject) {
    r.uagent = "a\"b\\c\n\x01\x7f\xff\xc3\xa9\xed\xa0\x80";
    r.user = "";
    std::string line = render("json");
    EXPECT_EQ(line.front(), '{');
    EXPECT_EQ(line.back(), '}');
    EXPECT_NE(line.find(R"("uagent":"a\"b\\c\n\u0001\u007F\\xFFé\\xED\\xA0\\x80")"), std::string::npos)
        << line;
    EXPECT_NE(line.find(R"("user":"")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("status":200,"rsize":11,"hsize":53,"msecs":3,"micros":3879)"), std::string::npos)
        << line;
    EXPECT_NE(line.find(R"("time":"2026-11-27T10:20:42+00:00")"), std::string::npos) << line;
}

// A uWSGI user's own JSON template keeps valid JSON: its values are escaped as JSON strings.
TEST_F(AccessFormatTest, UserJsonTemplateIsEscapedAsJson) {
    r.uri = "/\"}";
    EXPECT_EQ(render(R"j({"uri": "%(uri)", "s": %(status)})j"), R"j({"uri": "/\"}", "s": 200})j");
}

TEST_F(AccessFormatTest, MemoryReportAddsRssAndVsz) {
    r.rss = 3 * 1024 * 1024;
    r.vsz = 10 * 1024 * 1024;
    EXPECT_EQ(render("%(status)", true),
              "200 {address space usage: 10485760 bytes/10MB} {rss usage: 3145728 bytes/3MB}");
    std::string json = render("json", true);
    EXPECT_NE(json.find(R"("via":"app","rss":3145728,"vsz":10485760})"), std::string::npos) << json;
    EXPECT_TRUE(AccessFormat::compile("json", true).needs_memory());
    EXPECT_FALSE(AccessFormat::compile("combined").needs_memory());
    EXPECT_TRUE(AccessFormat::compile("%(rssM)").needs_memory());
}

TEST_F(AccessFormatTest, ViaNamesSendfileAndStatic) {
    r.via = Via::sendfile;
    EXPECT_EQ(render("%(via)"), "sendfile");
    r.via = Via::static_file;
    EXPECT_EQ(render("%(via)"), "static");
}

// uWSGI's log_request(): the filters add lines only under disable-logging.
TEST_F(AccessFormatTest, FiltersLogUnderDisableLoggingAsUwsgi) {
    AccessLog log;
    std::string error;
    AccessLogSettings s;
    ASSERT_TRUE(log.configure(s, error)) << error;
    EXPECT_TRUE(log.active());
    EXPECT_TRUE(log.wanted(r));

    s.enabled = false;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_FALSE(log.active());
    EXPECT_FALSE(log.wanted(r));

    s.log_4xx = true;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_TRUE(log.active());
    EXPECT_FALSE(log.wanted(r));
    r.status = 404;
    EXPECT_TRUE(log.wanted(r));
    r.status = 500;
    EXPECT_FALSE(log.wanted(r));
    s = AccessLogSettings{};
    s.enabled = false;
    s.log_5xx = true;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_TRUE(log.wanted(r));
    r.status = 200;

    s = AccessLogSettings{};
    s.enabled = false;
    s.slow_ms = 3;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_TRUE(log.wanted(r));  // 3.879 ms >= 3
    s.slow_ms = 4;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_FALSE(log.wanted(r));

    s = AccessLogSettings{};
    s.enabled = false;
    s.big_bytes = 11;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_TRUE(log.wanted(r));
    r.body_bytes = 10;
    EXPECT_FALSE(log.wanted(r));

    s = AccessLogSettings{};
    s.enabled = false;
    s.log_zero = true;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_FALSE(log.wanted(r));
    r.body_bytes = 0;
    EXPECT_TRUE(log.wanted(r));

    s = AccessLogSettings{};
    s.enabled = false;
    s.log_sendfile = true;
    ASSERT_TRUE(log.configure(s, error));
    EXPECT_FALSE(log.wanted(r));
    r.via = Via::sendfile;
    EXPECT_TRUE(log.wanted(r));
}

TEST(LogTarget, ParsesUwsgiLoggerSpecs) {
    TargetSpec spec;
    std::string error;
    ASSERT_TRUE(parse_target("stdio", spec, error));
    EXPECT_EQ(spec.kind, TargetSpec::Kind::stdio);
    ASSERT_TRUE(parse_target("file:/var/log/x.log", spec, error));
    EXPECT_EQ(spec.kind, TargetSpec::Kind::file);
    EXPECT_EQ(spec.path, "/var/log/x.log");
    ::unsetenv("APPSERVER_SYSLOG_SOCKET");
    ASSERT_TRUE(parse_target("syslog", spec, error));
    EXPECT_EQ(spec.kind, TargetSpec::Kind::syslog);
    EXPECT_EQ(spec.path, "/dev/log");
    EXPECT_EQ(spec.ident, "appserver");
    EXPECT_EQ(spec.facility, 1 << 3);
    ASSERT_TRUE(parse_target("syslog:shop,local3", spec, error));
    EXPECT_EQ(spec.ident, "shop");
    EXPECT_EQ(spec.facility, 19 << 3);
    EXPECT_FALSE(parse_target("syslog:shop,nowhere", spec, error));
    EXPECT_NE(error.find("nowhere"), std::string::npos);
    EXPECT_FALSE(parse_target("redislog:127.0.0.1:6379", spec, error));
    EXPECT_FALSE(parse_target("file:", spec, error));
}

}  // namespace
}  // namespace appserver::log
