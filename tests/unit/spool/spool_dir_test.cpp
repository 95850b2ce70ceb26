#include "spool/spool_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>

#include "../static/static_test_dir.h"

namespace appserver::spool {
namespace {

namespace fs = std::filesystem;
using testing::StaticDir;

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

std::int64_t now() { return static_cast<std::int64_t>(::time(nullptr)); }

TEST(SpoolDir, WritesOneWholeFileNamedAsUwsgi) {
    StaticDir dir;
    std::string error;
    auto path = write_task(dir.path(), {{"name", "x"}}, "BODY", 1, error);
    ASSERT_TRUE(path) << error;
    EXPECT_EQ(fs::path(*path).parent_path().string(), dir.path());
    std::vector<std::string> names = names_in(dir.path());
    ASSERT_EQ(names.size(), 1u);  // no temporary file left
    EXPECT_TRUE(names[0].starts_with("uwsgi_spoolfile_on_")) << names[0];
    TakenTask task;
    ASSERT_EQ(take_task(*path, now(), task, error), TakeStatus::taken) << error;
    EXPECT_EQ(task.vars, (Vars{{"name", "x"}}));
    EXPECT_EQ(task.body, "BODY");
}

// A task is written as a hidden ".NAME" file and renamed; an error names the task file the user
// would look for, not that temporary one.
TEST(SpoolDir, ErrorNamesTheTaskFileNotTheTemporaryFile) {
    StaticDir dir;
    const std::string missing = dir.path() + "/gone";
    std::string error;
    EXPECT_FALSE(write_task(missing, {{"name", "x"}}, "", 1, error));
    EXPECT_NE(error.find("\"" + missing + "/uwsgi_spoolfile_on_"), std::string::npos) << error;
    EXPECT_EQ(error.find(missing + "/."), std::string::npos) << error;
}

TEST(SpoolDir, NamesAreUniqueAndListed) {
    StaticDir dir;
    std::string error;
    auto a = write_task(dir.path(), {{"n", "1"}}, "", 1, error);
    auto b = write_task(dir.path(), {{"n", "2"}}, "", 2, error);
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
    std::vector<std::string> listed = list_tasks(dir.path(), false);
    std::sort(listed.begin(), listed.end());
    std::vector<std::string> expected{*a, *b};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(listed, expected);
}

TEST(SpoolDir, AtInTheFutureIsNotDue) {
    StaticDir dir;
    std::string error;
    auto path = write_task(dir.path(), {{"at", std::to_string(now() + 3600)}}, "", 1, error);
    ASSERT_TRUE(path) << error;
    struct stat st {};
    ASSERT_EQ(::stat(path->c_str(), &st), 0);
    EXPECT_GT(st.st_mtime, now() + 3000);  // the mtime carries `at`, as uWSGI
    TakenTask task;
    EXPECT_EQ(take_task(*path, now(), task, error), TakeStatus::skip);
    EXPECT_EQ(take_task(*path, now() + 3601, task, error), TakeStatus::taken);
}

TEST(SpoolDir, PriorityGoesToASubdirectoryScannedOnlyWhenOrdered) {
    StaticDir dir;
    std::string error;
    auto low = write_task(dir.path(), {{"priority", "10"}}, "", 1, error);
    auto high = write_task(dir.path(), {{"priority", "2"}}, "", 2, error);
    auto plain = write_task(dir.path(), {{"n", "x"}}, "", 3, error);
    ASSERT_TRUE(low && high && plain) << error;
    EXPECT_EQ(fs::path(*low).parent_path().filename(), "10");
    EXPECT_EQ(list_tasks(dir.path(), true), (std::vector<std::string>{*high, *low, *plain}));
    EXPECT_EQ(list_tasks(dir.path(), false), (std::vector<std::string>{*plain}));
}

TEST(SpoolDir, ALockedTaskIsSkippedAndADeletedOneIsNotRunAgain) {
    StaticDir dir;
    std::string error;
    auto path = write_task(dir.path(), {{"n", "x"}}, "", 1, error);
    ASSERT_TRUE(path);
    TakenTask first;
    ASSERT_EQ(take_task(*path, now(), first, error), TakeStatus::taken);
    TakenTask second;
    EXPECT_EQ(take_task(*path, now(), second, error), TakeStatus::skip);  // another process runs it
    ASSERT_TRUE(remove_task(*path, error));
    first.fd.reset();
    EXPECT_EQ(take_task(*path, now(), second, error), TakeStatus::skip);  // gone
    EXPECT_TRUE(list_tasks(dir.path(), false).empty());
}

TEST(SpoolDir, BrokenFileIsReported) {
    StaticDir dir;
    std::string path = dir.write("uwsgi_spoolfile_on_h_1_1_1_1_1", std::string("\x11\x40\x00\x00" "ab", 6));
    TakenTask task;
    std::string error;
    EXPECT_EQ(take_task(path, now(), task, error), TakeStatus::broken);
    dir.write("uwsgi_spoolfile_on_h_1_2_1_1_1", "");  // a uWSGI writer just created it
    EXPECT_EQ(take_task(dir.path() + "/uwsgi_spoolfile_on_h_1_2_1_1_1", now(), task, error), TakeStatus::skip);
}

}  // namespace
}  // namespace appserver::spool
