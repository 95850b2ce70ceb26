#include "static/mime_types.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

TEST(MimeTypes, BuiltinCoversTheWeb) {
    MimeTypes m;
    EXPECT_EQ(m.lookup("/srv/static/admin/css/base.css"), "text/css");
    EXPECT_EQ(m.lookup("app.JS"), "text/javascript");
    EXPECT_EQ(m.lookup("font.woff2"), "font/woff2");
    EXPECT_EQ(m.lookup("logo.svg"), "image/svg+xml");
    EXPECT_EQ(m.lookup("README"), "");
    EXPECT_EQ(m.lookup("dir.d/README"), "");  // a dot in a directory is not an extension
    EXPECT_EQ(m.lookup("archive.unknownext"), "");
}

TEST(MimeTypes, FileEntriesAddAndOverride) {
    MimeTypes m;
    m.add_text("# comment\ntext/x-custom   cst  CST2 # trailing\n\napplication/x-mine css\nnot-a-type foo\n");
    EXPECT_EQ(m.lookup("a.cst"), "text/x-custom");
    EXPECT_EQ(m.lookup("a.cst2"), "text/x-custom");
    EXPECT_EQ(m.lookup("a.css"), "application/x-mine");
    EXPECT_EQ(m.lookup("a.foo"), "");
}

TEST(MimeTypes, MissingFileIsAnError) {
    MimeTypes m;
    std::string error;
    EXPECT_FALSE(m.load_file("/nonexistent/mime.types", error));
    EXPECT_NE(error.find("/nonexistent/mime.types"), std::string::npos) << error;
}

TEST(MimeTypes, ContentTypeCharset) {
    EXPECT_EQ(content_type_for("text/html"), "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("application/javascript"), "application/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("image/png"), "image/png");
    EXPECT_EQ(content_type_for(""), "application/octet-stream");
}

}  // namespace
}  // namespace appserver
