#include "static/static_response.h"

#include <gtest/gtest.h>

#include "proto/http_date.h"

namespace appserver {
namespace {

constexpr std::time_t kMtime = 1700000000;
constexpr std::time_t kNow = 1800000000;

std::string header(const StaticReply& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "<none>";
}

StaticEntity css(std::uint64_t size = 1000) {
    StaticEntity e;
    e.size = size;
    e.mtime = kMtime;
    e.media_type = "text/css";
    return e;
}

StaticRequest get() {
    StaticRequest r;
    r.method = "GET";
    r.path = "/static/a.css";
    r.uri = "/static/a.css";
    return r;
}

TEST(StaticReply, WholeFileWithValidators) {
    StaticReply r = plan_static_reply(get(), css(), true, kNow);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.status_line, "200 OK");
    EXPECT_EQ(r.offset, 0u);
    EXPECT_EQ(r.length, 1000u);
    EXPECT_EQ(header(r, "Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(header(r, "Last-Modified"), format_http_date(kMtime));
    EXPECT_EQ(header(r, "ETag"), static_etag(1000, kMtime));
    EXPECT_EQ(header(r, "Accept-Ranges"), "bytes");
    EXPECT_EQ(header(r, "Expires"), "<none>");
    EXPECT_EQ(header(r, "Vary"), "<none>");
}

TEST(StaticReply, UnknownTypeIsOctetStreamAndBinaryTypesHaveNoCharset) {
    StaticEntity e = css();
    e.media_type = "";
    EXPECT_EQ(header(plan_static_reply(get(), e, true, kNow), "Content-Type"), "application/octet-stream");
    e.media_type = "image/png";
    EXPECT_EQ(header(plan_static_reply(get(), e, true, kNow), "Content-Type"), "image/png");
}

TEST(StaticReply, EtagIsNginxShaped) { EXPECT_EQ(static_etag(0x3e8, 0x6553f100), "\"6553f100-3e8\""); }

TEST(StaticReply, IfNoneMatchGives304AndWinsOverIfModifiedSince) {
    StaticRequest req = get();
    std::string inm = "\"other\", " + static_etag(1000, kMtime);
    req.if_none_match = inm;
    StaticReply r = plan_static_reply(req, css(), true, kNow);
    EXPECT_EQ(r.status, 304);
    EXPECT_EQ(r.length, 0u);
    EXPECT_EQ(header(r, "ETag"), static_etag(1000, kMtime));
    // A non-matching If-None-Match: 200 even though If-Modified-Since alone would say 304.
    StaticRequest req2 = get();
    req2.if_none_match = "\"nope\"";
    std::string ims = format_http_date(kMtime + 10);
    req2.if_modified_since = ims;
    EXPECT_EQ(plan_static_reply(req2, css(), true, kNow).status, 200);
    StaticRequest star = get();
    star.if_none_match = "*";
    EXPECT_EQ(plan_static_reply(star, css(), true, kNow).status, 304);
    StaticRequest weak = get();
    std::string w = "W/" + static_etag(1000, kMtime);
    weak.if_none_match = w;
    EXPECT_EQ(plan_static_reply(weak, css(), true, kNow).status, 304);
}

TEST(StaticReply, IfModifiedSince) {
    StaticRequest req = get();
    std::string same = format_http_date(kMtime), before = format_http_date(kMtime - 1);
    req.if_modified_since = same;
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 304);
    req.if_modified_since = before;
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
    req.if_modified_since = "yesterday";  // unreadable: ignored
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
}

TEST(StaticReply, SingleRangeGives206) {
    StaticRequest req = get();
    req.range = "bytes=100-199";
    StaticReply r = plan_static_reply(req, css(), true, kNow);
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.offset, 100u);
    EXPECT_EQ(r.length, 100u);
    EXPECT_EQ(header(r, "Content-Range"), "bytes 100-199/1000");
    req.range = "bytes=-10";
    r = plan_static_reply(req, css(), true, kNow);
    EXPECT_EQ(r.offset, 990u);
    EXPECT_EQ(r.length, 10u);
    req.range = "bytes=900-";
    r = plan_static_reply(req, css(), true, kNow);
    EXPECT_EQ(r.offset, 900u);
    EXPECT_EQ(r.length, 100u);
    req.range = "bytes=900-5000";  // clamped to the end
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).length, 100u);
}

TEST(StaticReply, RangeEdges) {
    StaticRequest req = get();
    req.range = "bytes=1000-";
    StaticReply r = plan_static_reply(req, css(), true, kNow);
    EXPECT_EQ(r.status, 416);
    EXPECT_EQ(header(r, "Content-Range"), "bytes */1000");
    EXPECT_EQ(r.length, 0u);
    req.range = "bytes=0-1,5-6";  // several ranges: the whole file
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
    req.range = "items=0-1";
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
    req.range = "bytes=5-1";
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
    req.range = "bytes=0-0";
    EXPECT_EQ(plan_static_reply(req, css(), false, kNow).status, 200);  // honour-range off
    req.method = "HEAD";
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);  // Range is for GET only
    StaticRequest empty = get();
    empty.range = "bytes=0-";
    EXPECT_EQ(plan_static_reply(empty, css(0), true, kNow).status, 416);
    empty.range = "bytes=-5";
    EXPECT_EQ(plan_static_reply(empty, css(0), true, kNow).status, 416);
}

TEST(StaticReply, IfRangeMismatchSendsTheWholeFile) {
    StaticRequest req = get();
    req.range = "bytes=0-9";
    std::string etag = static_etag(1000, kMtime), date = format_http_date(kMtime);
    req.if_range = etag;
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 206);
    req.if_range = date;
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 206);
    req.if_range = "\"old\"";
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
    std::string weak = "W/" + etag;
    req.if_range = weak;  // weak tags never validate a range
    EXPECT_EQ(plan_static_reply(req, css(), true, kNow).status, 200);
}

TEST(StaticReply, GzipVaryAndExpires) {
    StaticEntity e = css();
    e.gzip = true;
    e.vary = true;
    e.expires = 3600;
    StaticReply r = plan_static_reply(get(), e, true, kNow);
    EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
    EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
    EXPECT_EQ(header(r, "Expires"), format_http_date(kNow + 3600));
    EXPECT_EQ(header(r, "Cache-Control"), "max-age=3600");
}

TEST(StaticReply, AcceptsGzip) {
    EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
    EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    EXPECT_TRUE(accepts_gzip("*"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("identity"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0.000, *"));
    EXPECT_FALSE(accepts_gzip("gzipped"));
}

TEST(HttpDate, ParsesTheThreeForms) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<std::time_t>(784111777));
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::optional<std::time_t>(784111777));
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), std::optional<std::time_t>(784111777));
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT junk"), std::nullopt);
    EXPECT_EQ(parse_http_date(""), std::nullopt);
    EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace appserver
