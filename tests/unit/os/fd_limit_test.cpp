#include "os/fd_limit.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

TEST(FdLimit, WithoutMaxFdTheSoftLimitGoesUpToTheHardOne) {
    FdLimit planned = plan_fd_limit({1024, 524288}, 0);
    EXPECT_EQ(planned.soft, 524288u);
    EXPECT_EQ(planned.hard, 524288u);
}

TEST(FdLimit, MaxFdUnderTheHardLimitSetsTheSoftOneAndKeepsTheHardOne) {
    FdLimit planned = plan_fd_limit({1024, 524288}, 4096);
    EXPECT_EQ(planned.soft, 4096u);
    EXPECT_EQ(planned.hard, 524288u) << "never lowered: a reload may ask for more";
    EXPECT_EQ(plan_fd_limit({8192, 524288}, 4096).soft, 4096u) << "max-fd may also lower the soft limit";
}

TEST(FdLimit, MaxFdOverTheHardLimitAsksForBoth) {
    FdLimit planned = plan_fd_limit({1024, 4096}, 100000);
    EXPECT_EQ(planned.soft, 100000u);
    EXPECT_EQ(planned.hard, 100000u);
}

TEST(FdLimit, TheBannerSaysWhatChanged) {
    EXPECT_EQ(describe({{1024, 65536}, {65536, 65536}, ""}), "file descriptors: 65536 (raised from 1024)");
    EXPECT_EQ(describe({{65536, 65536}, {65536, 65536}, ""}), "file descriptors: 65536");
    EXPECT_EQ(describe({{65536, 65536}, {4096, 65536}, ""}),
              "file descriptors: 4096 (lowered from 65536 by max-fd)");
}

TEST(FdLimit, RaisingInThisProcessReachesTheHardLimit) {
    FdLimitChange change = raise_fd_limit(0);
    EXPECT_TRUE(change.warning.empty()) << change.warning;
    EXPECT_EQ(change.after.soft, change.before.hard);
}

}  // namespace
}  // namespace appserver
