#include "stats/json_writer.h"

#include <gtest/gtest.h>

namespace appserver::stats {
namespace {

std::string json_quoted(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

TEST(JsonWriter, EscapesWhatJsonRequires) {
    EXPECT_EQ(json_quoted("plain /path?x=1"), "\"plain /path?x=1\"");
    EXPECT_EQ(json_quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_quoted(std::string("\n\t\x01\x7f", 4)), "\"\\u000a\\u0009\\u0001\\u007f\"");
    EXPECT_EQ(json_quoted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // valid UTF-8 is kept
}

TEST(JsonWriter, BytesThatAreNotUtf8BecomeEscapes) {
    // A URI may hold any byte; the document must still parse.
    EXPECT_EQ(json_quoted("/\xff\xc3"), "\"/\\u00ff\\u00c3\"");
    EXPECT_EQ(json_quoted("\xc0\xaf"), "\"\\u00c0\\u00af\"");  // overlong '/'
}

TEST(JsonWriter, PlacesCommasAndIndentsLikeUwsgi) {
    JsonWriter j;
    j.open_object();
    j.field("version", "2.0");
    j.key("workers").open_array();
    j.open_object();
    j.field("id", 1);
    j.field("tx", std::uint64_t{18446744073709551615u});
    j.close_object();
    j.close_array();
    j.key("empty").open_array();
    j.close_array();
    j.close_object();
    EXPECT_EQ(j.str(),
              "{\n\t\"version\":\"2.0\",\n\t\"workers\":[\n\t\t{\n\t\t\t\"id\":1,\n\t\t\t\"tx\":"
              "18446744073709551615\n"
              "\t\t}\n\t],\n\t\"empty\":[\n\t]\n}");
}

}  // namespace
}  // namespace appserver::stats
