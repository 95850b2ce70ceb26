#include "mount_select.h"

#include <gtest/gtest.h>

namespace appserver::python {
namespace {

const std::vector<std::string> kMounts = {"/app", "/app/admin", "/blog"};

TEST(MountSelect, LongestWholeSegmentPrefixWinsAndMovesToScriptName) {
    MountChoice c = choose_mount(kMounts, "", "/app/admin/users", true);
    EXPECT_EQ(c.app, 1);
    EXPECT_EQ(c.script_name, "/app/admin");
    EXPECT_EQ(c.path_info, "/users");
    c = choose_mount(kMounts, "", "/app/x", true);
    EXPECT_EQ(c.app, 0);
    EXPECT_EQ(c.path_info, "/x");
    c = choose_mount(kMounts, "", "/blog", true);
    EXPECT_EQ(c.app, 2);
    EXPECT_EQ(c.script_name, "/blog");
    EXPECT_EQ(c.path_info, "");
}

TEST(MountSelect, NoMatchGoesToTheDefault) {
    for (std::string_view path : {"/", "/application", "/apps/x", "/blogger", ""}) {
        MountChoice c = choose_mount(kMounts, "", path, true);
        EXPECT_EQ(c.app, -1) << path;
        EXPECT_FALSE(c.script_name) << path;
        EXPECT_FALSE(c.path_info) << path;
    }
}

TEST(MountSelect, WithoutManageScriptNameTheFrontServersScriptNameChooses) {
    MountChoice c = choose_mount(kMounts, "/blog", "/post/1", false);
    EXPECT_EQ(c.app, 2);
    EXPECT_FALSE(c.script_name);  // nothing is rewritten: the front server split the path already
    EXPECT_FALSE(c.path_info);
    EXPECT_EQ(choose_mount(kMounts, "/blog/", "/x", false).app, 2);
    EXPECT_EQ(choose_mount(kMounts, "", "/blog/x", false).app, -1);  // the path alone chooses nothing
    EXPECT_EQ(choose_mount(kMounts, "/bl", "/x", false).app, -1);
}

}  // namespace
}  // namespace appserver::python
