#include "master/cheaper.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

CheaperSettings spare(int min, int overload, int step = 1) {
    CheaperSettings s;
    s.min_workers = min;
    s.overload = overload;
    s.step = step;
    return s;
}

TEST(Cheaper, SpareSpawnsAfterOverloadCyclesAllBusy) {
    Cheaper c(spare(1, 3, 2));
    CheaperView busy{.active = 1, .busy = 1, .cheap = 3, .backlog = 0};
    EXPECT_EQ(c.decide(busy), 0);
    EXPECT_EQ(c.decide(busy), 0);
    EXPECT_EQ(c.decide(busy), 2);  // the third overloaded cycle: a step of 2
    busy.cheap = 1;
    for (int i = 0; i < 2; ++i) EXPECT_EQ(c.decide(busy), 0);
    EXPECT_EQ(c.decide(busy), 1);  // no more than the cheap slots left
    busy.cheap = 0;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(c.decide(busy), 0);  // at the maximum
}

TEST(Cheaper, SpareKeepsOneSpareAndStopsTheRestEveryOverloadCycles) {
    Cheaper c(spare(1, 2));
    EXPECT_EQ(c.decide({.active = 3, .busy = 2, .cheap = 1}), 0);  // one spare: stable
    EXPECT_EQ(c.decide({.active = 3, .busy = 0, .cheap = 1}), 0);
    EXPECT_EQ(c.decide({.active = 3, .busy = 0, .cheap = 1}), -1);  // idle for 2 cycles: stop one
    EXPECT_EQ(c.decide({.active = 2, .busy = 0, .cheap = 2}), 0);
    EXPECT_EQ(c.decide({.active = 2, .busy = 0, .cheap = 2}), -1);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(c.decide({.active = 1, .busy = 0, .cheap = 3}), 0);  // at the minimum
}

TEST(Cheaper, BacklogFollowsTheListenQueue) {
    CheaperSettings s = spare(1, 4, 2);
    s.algo = CheaperSettings::Algo::backlog;
    Cheaper c(s);
    EXPECT_EQ(c.decide({.active = 1, .busy = 1, .cheap = 3, .backlog = 5}), 2);
    EXPECT_EQ(c.decide({.active = 3, .busy = 3, .cheap = 1, .backlog = 4}), 0);  // at the threshold
    EXPECT_EQ(c.decide({.active = 3, .busy = 1, .cheap = 1, .backlog = 0}), -1);
    EXPECT_EQ(c.decide({.active = 1, .busy = 0, .cheap = 3, .backlog = 0}), 0);
}

TEST(Cheaper, OffDecidesNothing) {
    Cheaper c(CheaperSettings{});
    EXPECT_EQ(c.decide({.active = 1, .busy = 1, .cheap = 3, .backlog = 100}), 0);
}

TEST(Cheaper, AlgorithmNames) {
    CheaperSettings::Algo algo{};
    std::string note, error;
    EXPECT_TRUE(parse_cheaper_algo("backlog", algo, note, error));
    EXPECT_EQ(algo, CheaperSettings::Algo::backlog);
    EXPECT_TRUE(parse_cheaper_algo("busyness", algo, note, error));
    EXPECT_EQ(algo, CheaperSettings::Algo::spare);
    EXPECT_NE(note.find("busyness"), std::string::npos);
    EXPECT_FALSE(parse_cheaper_algo("fastest", algo, note, error));
    EXPECT_NE(error.find("cheaper-algo"), std::string::npos);
}

}  // namespace
}  // namespace appserver
