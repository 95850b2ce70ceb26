#include "os/pidfile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace appserver {
namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/as-pidfile-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

ino_t inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(Pidfile, WritesAndReadsBack) {
    TempDir dir;
    std::string path = dir.path + "/pid", error;
    ASSERT_TRUE(write_pidfile(path, 4242, error)) << error;
    auto pid = read_pidfile(path, error);
    ASSERT_TRUE(pid) << error;
    EXPECT_EQ(*pid, 4242);
}

// A master re-executed by a reload (same pid, now running as uid) must not need to replace it.
TEST(Pidfile, AnUnchangedPidfileIsNotReplaced) {
    TempDir dir;
    std::string path = dir.path + "/pid", error;
    ASSERT_TRUE(write_pidfile(path, 4242, error)) << error;
    ino_t before = inode(path);
    ASSERT_TRUE(write_pidfile(path, 4242, error)) << error;
    EXPECT_EQ(inode(path), before);
    ASSERT_TRUE(write_pidfile(path, 4243, error)) << error;
    EXPECT_EQ(*read_pidfile(path, error), 4243);
}

// The pidfile is written through a temporary file beside it; an error must name the user's file.
TEST(Pidfile, ErrorNamesThePidfileNotTheTemporaryFile) {
    TempDir dir;
    std::string path = dir.path + "/missing/app.pid", error;
    ASSERT_FALSE(write_pidfile(path, 4242, error));
    EXPECT_NE(error.find("\"" + path + "\""), std::string::npos) << error;
    EXPECT_EQ(error.find(".tmp"), std::string::npos) << error;
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

}  // namespace
}  // namespace appserver
