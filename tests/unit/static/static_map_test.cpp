#include "static/static_map.h"

#include <gtest/gtest.h>

#include "static_test_dir.h"

namespace appserver {
namespace {

using testing::StaticDir;

std::shared_ptr<const StaticConfig> build(const Options& o, std::string& error) {
    return make_static_config(o, "", error);
}

std::vector<std::string> where(const StaticConfig& c, std::string_view path) {
    std::vector<std::string> out;
    for (const auto& cand : static_candidates(c, path))
        out.push_back(cand.mount->target + " | " + cand.relative);
    return out;
}

TEST(StaticMap, MappingsInUwsgisOrder) {
    StaticDir dir;
    std::string s = dir.mkdir("s"), root = dir.mkdir("root"), two = dir.mkdir("two");
    std::string fav = dir.write("favicon.ico", "x");
    Options o;
    o.static_map = {"/static/=" + s, "/favicon.ico=" + fav};
    o.static_map2 = {"/static=" + two};
    o.check_static = {root};
    std::string error;
    auto c = build(o, error);
    ASSERT_TRUE(c) << error;
    EXPECT_TRUE(c->enabled());
    EXPECT_EQ(where(*c, "/static/css/a.css"),
              (std::vector<std::string>{root + " | static/css/a.css", s + " | css/a.css",
                                        two + " | static/css/a.css"}));
    EXPECT_EQ(where(*c, "/static"),
              (std::vector<std::string>{root + " | static", s + " | ", two + " | static"}));
    // Whole segments only: /staticx is not under /static.
    EXPECT_EQ(where(*c, "/staticx/a"), (std::vector<std::string>{root + " | staticx/a"}));
    EXPECT_EQ(where(*c, "/favicon.ico"), (std::vector<std::string>{root + " | favicon.ico", fav + " | "}));
    EXPECT_EQ(where(*c, "/favicon.ico/x"), (std::vector<std::string>{root + " | favicon.ico/x"}));
}

TEST(StaticMap, UnsafePathsAndSkippedExtensionsAreNeverLookedUp) {
    StaticDir dir;
    Options o;
    o.static_map = {"/=" + dir.path()};
    o.static_skip_ext = {".py", ".pyc"};
    std::string error;
    auto c = build(o, error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(where(*c, "/a/b.txt").size(), 1u);
    for (std::string_view bad :
         {"/../etc/passwd", "/a/../../x", "/a/..", "/a\\..\\b", "/x.py", "/y.pyc", "relative", ""}) {
        EXPECT_TRUE(where(*c, bad).empty()) << bad;
    }
    EXPECT_TRUE(where(*c, std::string_view("/a\0b", 4)).empty());
    EXPECT_EQ(where(*c, "/a/..b/c").size(), 1u);  // "..b" is a name, not a parent
    EXPECT_EQ(where(*c, "/.hidden").size(), 1u);  // dot-files are served, as uWSGI does
}

TEST(StaticMap, ConfigErrorsNameTheKey) {
    StaticDir dir;
    auto error_of = [&](auto set) {
        Options o;
        set(o);
        std::string error;
        EXPECT_FALSE(build(o, error));
        return error;
    };
    EXPECT_EQ(error_of([&](Options& o) { o.static_map = {"/static"}; }),
              "option static-map: \"/static\" is not MOUNTPOINT=PATH");
    EXPECT_EQ(error_of([&](Options& o) { o.static_map = {"static=" + dir.path()}; }),
              "option static-map: mountpoint \"static\" does not start with '/'");
    {  // A mapped path that does not exist yet is kept, with a note (uWSGI starts with it too).
        Options o;
        o.static_map2 = {"/s=/nonexistent/dir"};
        std::string error;
        auto c = build(o, error);
        ASSERT_TRUE(c) << error;
        EXPECT_EQ(c->mounts.size(), 1u);
        EXPECT_EQ(c->notes, std::vector<std::string>{"static-map2 /s=/nonexistent/dir: /nonexistent/dir does not exist "
                                                     "(yet): requests under /s go to the application until it does"});
    }
    EXPECT_EQ(error_of([&](Options& o) { o.check_static = {"/nonexistent"}; }),
              "option check-static: directory not found: /nonexistent");
    EXPECT_EQ(error_of([&](Options& o) { o.static_safe = {"/nonexistent"}; }),
              "option static-safe: directory not found: /nonexistent");
    EXPECT_EQ(error_of([&](Options& o) {
                  o.static_expires = {"(unclosed 60"};
              }).rfind("option static-expires: regex \"(unclosed\" does not compile", 0),
              0u);
    EXPECT_EQ(error_of([&](Options& o) { o.static_expires_uri = {"\\.css$"}; }),
              "option static-expires-uri: \"\\.css$\" is not REGEX SECONDS");
    EXPECT_EQ(error_of([&](Options& o) { o.static_expires_type = {"text/css=soon"}; }),
              "option static-expires-type: \"text/css=soon\" is not TYPE=SECONDS");
    EXPECT_EQ(error_of([&](Options& o) { o.static_index = {"../x"}; }),
              "option static-index: \"../x\" is not a file name");
    EXPECT_EQ(error_of([&](Options& o) {
                  o.mimefile = {"/nonexistent/mime.types"};
              }).rfind("option mimefile: open(", 0),
              0u);
}

TEST(StaticMap, RelativePathsAreCheckedUnderTheBase) {
    StaticDir dir;
    dir.mkdir("site/static");
    Options o;
    o.static_map = {"/static=static"};
    std::string error;
    auto under_site = make_static_config(o, dir.at("site"), error);
    ASSERT_TRUE(under_site) << error;
    EXPECT_TRUE(under_site->notes.empty());
    auto elsewhere = make_static_config(o, dir.path(), error);  // no static/ there: kept, with a note
    ASSERT_TRUE(elsewhere) << error;
    EXPECT_EQ(elsewhere->notes.size(), 1u);
}

TEST(StaticMap, ExpiresFirstMatchWins) {
    StaticDir dir;
    Options o;
    o.static_map = {"/s=" + dir.path()};
    o.static_expires = {"\\.png$ 100"};
    o.static_expires_uri = {"^/s/css/ 200", "v=2 with spaces? 300"};
    o.static_expires_type = {"text/css=400", "image/gif=500"};
    std::string error;
    auto c = build(o, error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(expires_seconds(*c, "/x/a.png", "/s/css/a.png", "image/png"), 100);
    EXPECT_EQ(expires_seconds(*c, "/x/a.css", "/s/css/a.css", "text/css"), 200);
    EXPECT_EQ(expires_seconds(*c, "/x/a.css", "/s/a.css", "text/css"), 400);
    EXPECT_EQ(expires_seconds(*c, "/x/a.gif", "/s/a.gif", "image/gif"), 500);
    EXPECT_EQ(expires_seconds(*c, "/x/a.js", "/s/a.js", "text/javascript"), -1);
}

TEST(StaticMap, GzipRules) {
    StaticConfig c;
    EXPECT_FALSE(gzip_rule_applies(c, "/srv/a.css"));
    c.gzip_ext = {".css"};
    EXPECT_TRUE(gzip_rule_applies(c, "/srv/a.css"));
    EXPECT_FALSE(gzip_rule_applies(c, "/srv/a.js"));
    c.gzip_dir = {"/srv/js/"};
    EXPECT_TRUE(gzip_rule_applies(c, "/srv/js/a.js"));
    c.gzip_all = true;
    EXPECT_TRUE(gzip_rule_applies(c, "/elsewhere/a.txt"));
}

}  // namespace
}  // namespace appserver
