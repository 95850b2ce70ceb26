#include "log/log_target.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../config/config_test_util.h"
#include "log/log.h"

namespace appserver::log {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// log-maxsize: past the size the file is renamed FILE.UNIXTIME and the target writes to a new one;
// under it nothing moves.
TEST(LogRotation, PastMaxSizeTheFileIsRenamedAndANewOneOpened) {
    testing::TempDir dir;
    fs::path path = fs::path(dir.path()) / "access.log";
    std::string error;
    TargetSpec spec;
    ASSERT_TRUE(parse_target("file:" + path.string(), spec, error)) << error;
    auto target = open_target(spec, error);
    ASSERT_TRUE(target) << error;
    target->write(Priority::info, "first line\n");
    EXPECT_FALSE(rotate_over(100));
    EXPECT_FALSE(rotate_over(0));  // 0: off
    target->write(Priority::info, std::string(120, 'x') + "\n");
    EXPECT_TRUE(rotate_over(100));
    target->write(Priority::info, "after\n");

    std::vector<fs::path> rotated;
    for (const auto& entry : fs::directory_iterator(dir.path()))
        if (entry.path().filename().string().rfind("access.log.", 0) == 0) rotated.push_back(entry.path());
    ASSERT_EQ(rotated.size(), 1u);
    EXPECT_EQ(read(rotated[0]), "first line\n" + std::string(120, 'x') + "\n");
    EXPECT_EQ(read(path), "after\n");
}

TEST(LogTarget, AFileThatCannotBeOpenedIsAnError) {
    testing::TempDir dir;
    TargetSpec spec;
    std::string error;
    ASSERT_TRUE(parse_target("file:" + dir.path() + "/missing/dir/x.log", spec, error));
    EXPECT_FALSE(open_target(spec, error));
    EXPECT_NE(error.find("open(\"" + dir.path() + "/missing/dir/x.log\") failed (2: "), std::string::npos)
        << error;
}

}  // namespace
}  // namespace appserver::log

namespace appserver::log {
namespace {

// uWSGI's named loggers (`logger = cron file:/var/log/cron.log`, fed by log-route) are recognised,
// never refused; their target is still checked.
TEST(LogTarget, NamedLoggersAreRecognised) {
    TargetSpec spec;
    std::string error;
    ASSERT_TRUE(parse_target("cron file:/var/log/cron.log", spec, error)) << error;
    EXPECT_EQ(spec.kind, TargetSpec::Kind::routed);
    EXPECT_EQ(spec.path, "cron file:/var/log/cron.log");
    EXPECT_FALSE(parse_target("cron carrier-pigeon:x", spec, error));
    ASSERT_TRUE(parse_target("file:/var/log/app.log", spec, error)) << error;
    EXPECT_EQ(spec.kind, TargetSpec::Kind::file);
}

}  // namespace
}  // namespace appserver::log
