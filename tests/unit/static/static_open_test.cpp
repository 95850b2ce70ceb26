#include "static/static_open.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "static_test_dir.h"

namespace appserver {
namespace {

using testing::StaticDir;
using R = StaticOpen::Result;

// Runs every test twice: with openat2(RESOLVE_BENEATH), and with the realpath check used where
// openat2 is missing.
class StaticOpenTest : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        static_force_realpath_for_tests(GetParam());
        root = dir.mkdir("root");
        dir.write("root/a.css", "body{}");
        dir.write("root/sub/index.html", "<p>");
        dir.mkdir("root/empty");
        dir.write("secret.txt", "SECRET");
        dir.write("safe/shared.css", "shared");
        config.index = {"index.htm", "index.html"};
        config.mounts.push_back(StaticMount{StaticMount::Kind::prefix, "/s", root, false});
    }
    void TearDown() override { static_force_realpath_for_tests(false); }

    StaticOpen open(const std::string& rel, std::string_view suffix = {}) {
        return open_static(config, StaticCandidate{&config.mounts[0], rel}, suffix);
    }

    StaticDir dir;
    std::string root;
    StaticConfig config;
};

TEST_P(StaticOpenTest, RegularFilesAndIndexes) {
    StaticOpen a = open("a.css");
    ASSERT_EQ(a.result, R::opened) << a.reason;
    EXPECT_EQ(a.file.st.st_size, 6);
    EXPECT_EQ(a.file.path, root + "/a.css");
    char buf[16] = {};
    EXPECT_EQ(::read(a.file.fd.get(), buf, sizeof buf), 6);
    StaticOpen index = open("sub");
    ASSERT_EQ(index.result, R::opened) << index.reason;
    EXPECT_EQ(index.file.relative, "sub/index.html");
    EXPECT_EQ(open("").result, R::missing);       // the root has no index
    EXPECT_EQ(open("empty").result, R::missing);  // nor this directory
    EXPECT_EQ(open("nope.css").result, R::missing);
    EXPECT_EQ(open("a.css/x").result, R::missing);  // ENOTDIR
    EXPECT_EQ(open("a.css", ".gz").result, R::missing);
}

TEST_P(StaticOpenTest, SymlinksInsideAreFollowedOutsideRefused) {
    std::filesystem::create_symlink(root + "/a.css", root + "/alias.css");
    std::filesystem::create_symlink("../secret.txt", root + "/escape.txt");
    std::filesystem::create_symlink(dir.path(), root + "/up");
    EXPECT_EQ(open("alias.css").result, R::opened);
    StaticOpen out = open("escape.txt");
    EXPECT_EQ(out.result, R::refused);
    EXPECT_FALSE(out.file.fd);
    EXPECT_EQ(open("up/secret.txt").result, R::refused);
}

TEST_P(StaticOpenTest, StaticSafeAllowsOneTarget) {
    std::filesystem::create_symlink(dir.at("safe/shared.css"), root + "/shared.css");
    std::filesystem::create_symlink(dir.at("secret.txt"), root + "/secret.txt");
    EXPECT_EQ(open("shared.css").result, R::refused);
    config.safe = {dir.at("safe")};
    StaticOpen shared = open("shared.css");
    ASSERT_EQ(shared.result, R::opened) << shared.reason;
    EXPECT_EQ(shared.file.st.st_size, 6);
    EXPECT_EQ(open("secret.txt").result, R::refused);
    // A static-safe prefix is a directory, not a string prefix: /x/safe does not cover /x/safe2.
    dir.write("safe2/x.css", "x");
    std::filesystem::create_symlink(dir.at("safe2/x.css"), root + "/x.css");
    EXPECT_EQ(open("x.css").result, R::refused);
}

TEST_P(StaticOpenTest, FifosSocketsAndDevicesAreRefusedWithoutBlocking) {
    ASSERT_EQ(::mkfifo((root + "/pipe").c_str(), 0644), 0);
    // A FIFO opened for reading would block until a writer came: the test would hang here.
    StaticOpen fifo = open("pipe");
    EXPECT_EQ(fifo.result, R::refused);
    EXPECT_NE(fifo.reason.find("FIFO"), std::string::npos) << fifo.reason;
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string sock = root + "/sock";
    ASSERT_LT(sock.size(), sizeof addr.sun_path);
    std::memcpy(addr.sun_path, sock.c_str(), sock.size());
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(open("sock").result, R::refused);
    ::close(s);
    std::filesystem::create_symlink("/dev/zero", root + "/zero");
    EXPECT_EQ(open("zero").result, R::refused);
}

TEST_P(StaticOpenTest, AMappedFileAndItsGzipVariant) {
    std::string fav = dir.write("favicon.ico", "icon");
    dir.write("favicon.ico.gz", "gz");
    config.mounts.push_back(StaticMount{StaticMount::Kind::prefix, "/favicon.ico", fav, true});
    StaticOpen f = open_static(config, StaticCandidate{&config.mounts[1], ""});
    ASSERT_EQ(f.result, R::opened) << f.reason;
    EXPECT_EQ(f.file.st.st_size, 4);
    StaticOpen gz = open_static(config, StaticCandidate{&config.mounts[1], ""}, ".gz");
    ASSERT_EQ(gz.result, R::opened) << gz.reason;
    EXPECT_EQ(gz.file.st.st_size, 2);
}

INSTANTIATE_TEST_SUITE_P(Resolution, StaticOpenTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                             return p.param ? "realpath" : "openat2";
                         });

}  // namespace
}  // namespace appserver
