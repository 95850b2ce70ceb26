#include "spool/spool_format.h"

#include <gtest/gtest.h>

namespace appserver::spool {
namespace {

using namespace std::string_literals;

// The bytes uWSGI's uwsgi_spool_request writes for {a: bc} with body XY: header (17, size 7 LE, 0),
// key/value with 16-bit little-endian lengths, then the body.
const std::string kUwsgiFile = "\x11\x07\x00\x00"s + "\x01\x00"s + "a" + "\x02\x00"s + "bc" + "XY";

TEST(SpoolFormat, EncodesAsUwsgiWritesIt) {
    std::string out, error;
    ASSERT_TRUE(encode_task({{"a", "bc"}}, "XY", out, error)) << error;
    EXPECT_EQ(out, kUwsgiFile);
}

TEST(SpoolFormat, DecodesAUwsgiFile) {
    Vars vars;
    std::string body, error;
    ASSERT_EQ(decode_task(kUwsgiFile, vars, body, error), DecodeStatus::ok) << error;
    EXPECT_EQ(vars, (Vars{{"a", "bc"}}));
    EXPECT_EQ(body, "XY");
}

TEST(SpoolFormat, RoundTripsBinaryValuesInOrderAndEmptyBody) {
    Vars in{{"ud_spool_func", "send"}, {"args", "\x80\x04\x00\xff"s}, {"empty", ""}, {"a", "1"}, {"a", "2"}};
    std::string file, error, body;
    ASSERT_TRUE(encode_task(in, "", file, error));
    Vars out;
    ASSERT_EQ(decode_task(file, out, body, error), DecodeStatus::ok);
    EXPECT_EQ(out, in);
    EXPECT_EQ(body, "");
    EXPECT_EQ(encoded_size(in, ""), file.size());
}

TEST(SpoolFormat, TheBodyIsOutsideThe64KLimit) {
    std::string big(200000, 'x'), file, error, body;
    ASSERT_TRUE(encode_task({{"k", "v"}}, big, file, error));
    Vars vars;
    ASSERT_EQ(decode_task(file, vars, body, error), DecodeStatus::ok);
    EXPECT_EQ(body, big);
}

TEST(SpoolFormat, ArgsOver64KAreRefused) {
    std::string file, error;
    Vars vars;
    for (int i = 0; i < 3; ++i) vars.emplace_back("k" + std::to_string(i), std::string(30000, 'v'));
    EXPECT_FALSE(encode_task(vars, "", file, error));
    EXPECT_NE(error.find("64k"), std::string::npos) << error;
    EXPECT_FALSE(encode_task({{"k", std::string(70000, 'v')}}, "", file, error));
}

TEST(SpoolFormat, ShortAndBrokenFiles) {
    Vars vars;
    std::string body, error;
    EXPECT_EQ(decode_task("", vars, body, error), DecodeStatus::short_file);
    EXPECT_EQ(decode_task("\x11\x07"s, vars, body, error), DecodeStatus::short_file);
    // The header promises 7 bytes of vars; 3 follow.
    EXPECT_EQ(decode_task("\x11\x07\x00\x00\x01\x00z"s, vars, body, error), DecodeStatus::broken);
    // A value length past the block.
    EXPECT_EQ(decode_task("\x11\x05\x00\x00\x01\x00z\x09\x00"s, vars, body, error), DecodeStatus::broken);
}

TEST(SpoolFormat, PlacementKeys) {
    Placement p = placement_of({{"spooler", "/var/spool/x"}, {"priority", "5"}, {"at", "1700000000.75"}});
    EXPECT_EQ(p.spooler, "/var/spool/x");
    EXPECT_EQ(p.priority, "5");
    EXPECT_EQ(p.at, 1700000000);
    EXPECT_EQ(placement_of({{"at", "soon"}}).at, 0);
    EXPECT_EQ(placement_of({}).at, 0);
}

TEST(SpoolFormat, FileNamesAsUwsgi) {
    EXPECT_EQ(task_file_name("web1", 4242, 7, 12345, 1700000000, 999),
              "uwsgi_spoolfile_on_web1_4242_7_12345_1700000000_999");
    EXPECT_TRUE(is_task_name("uwsgi_spoolfile_on_web1_4242_7_12345_1700000000_999"));
    EXPECT_FALSE(is_task_name(".uwsgi_spoolfile_on_web1_4242_7_12345_1700000000_999"));  // our temp files
    EXPECT_FALSE(is_task_name("notes.txt"));
    EXPECT_TRUE(is_priority_name("10"));
    EXPECT_FALSE(is_priority_name("1a"));
    EXPECT_FALSE(is_priority_name(""));
}

TEST(SpoolFormat, OrderedScanIsVersionOrder) {
    std::vector<std::string> names{"uwsgi_spoolfile_on_h_1_10_0_5_0", "10", "uwsgi_spoolfile_on_h_1_9_0_5_0", "2",
                                   "uwsgi_spoolfile_on_h_1_2_0_5_0"};
    version_sort(names);
    EXPECT_EQ(names, (std::vector<std::string>{"2", "10", "uwsgi_spoolfile_on_h_1_2_0_5_0",
                                               "uwsgi_spoolfile_on_h_1_9_0_5_0", "uwsgi_spoolfile_on_h_1_10_0_5_0"}));
}

}  // namespace
}  // namespace appserver::spool
