#include "master/mule_plan.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

Options with(std::vector<std::string> mule, int mules, std::vector<std::string> farm) {
    Options o;
    o.mule = std::move(mule);
    o.mules = mules;
    o.farm = std::move(farm);
    return o;
}

// uWSGI's rule: `.py` -> a script, a colon -> module:callable, anything else (a bare `mule`) -> the loop.
TEST(MulePlan, WhatEachMuleRuns) {
    EXPECT_EQ(mule_program("tasks.py"), "tasks.py");
    EXPECT_EQ(mule_program("/srv/app/worker.py"), "/srv/app/worker.py");
    EXPECT_EQ(mule_program("pkg.jobs:main"), "pkg.jobs:main");
    EXPECT_EQ(mule_program("true"), "");
    EXPECT_EQ(mule_program(""), "");
    EXPECT_EQ(mule_program(".py"), "");
}

TEST(MulePlan, IdsFollowTheMuleEntriesThenTheBareOnes) {
    MulePlan plan;
    std::string error;
    ASSERT_TRUE(plan_mules(with({"a.py", "true"}, 2, {"pair:1,3", "solo:4"}), plan, error)) << error;
    EXPECT_EQ(plan.mules, (std::vector<std::string>{"a.py", "", "", ""}));
    ASSERT_EQ(plan.farms.size(), 2u);
    EXPECT_EQ(plan.farms[0].name, "pair");
    EXPECT_EQ(plan.farms[0].mules, (std::vector<int>{1, 3}));
    EXPECT_EQ(plan.farms[1].mules, (std::vector<int>{4}));
}

// As uWSGI, which exits at start on these.
TEST(MulePlan, BadFarmsAreRefusedAtStart) {
    MulePlan plan;
    std::string error;
    EXPECT_FALSE(plan_mules(with({}, 2, {"nocolon"}), plan, error));
    EXPECT_EQ(error, "farm = nocolon: expected NAME:MULE_ID[,MULE_ID...]");
    EXPECT_FALSE(plan_mules(with({}, 2, {"f:1,3"}), plan, error));
    EXPECT_EQ(error, "farm = f:1,3: invalid mule id 3 (there are 2 mules)");
    EXPECT_FALSE(plan_mules(with({}, 1, {"f:x"}), plan, error));
    EXPECT_EQ(error, "farm = f:x: invalid mule id x (there is 1 mule)");
    EXPECT_FALSE(plan_mules(with({}, 1, {"f:"}), plan, error));
    EXPECT_EQ(error, "farm = f:: no mule id");
    EXPECT_FALSE(plan_mules(with({}, 2, {"f:1", "f:2"}), plan, error));
    EXPECT_EQ(error, "farm = f:2: farm f is defined twice");
    EXPECT_TRUE(plan_mules(with({}, 0, {}), plan, error));
    EXPECT_TRUE(plan.mules.empty());
}

}  // namespace
}  // namespace appserver
