#include "master/harakiri_backstop.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace appserver {
namespace {

// The backstop's decisions with the clock and the processes faked: no sleeping, no killing.
struct Fixture {
    Fixture() {
        std::string error;
        board = Scoreboard::create(3, 2, error);
        EXPECT_TRUE(board) << error;
        backstop = std::make_unique<HarakiriBackstop>(
            BackstopProcessOps{.is_live_child = [this](pid_t pid) { return live.count(pid) > 0; },
                               .kill = [this](pid_t pid) { killed.push_back(pid); }});
        backstop->watch(board.get(), kHarakiri);
    }
    static constexpr int kHarakiri = 10;  // grace 5 s: the limit is 15 s
    std::unique_ptr<Scoreboard> board;
    std::unique_ptr<HarakiriBackstop> backstop;
    std::set<pid_t> live;
    std::vector<pid_t> killed;
};

TEST(HarakiriBackstop, GraceIsHalfTheLimitBetweenOneAndFiveSeconds) {
    EXPECT_EQ(HarakiriBackstop::grace_s(1), 1);
    EXPECT_EQ(HarakiriBackstop::grace_s(2), 1);
    EXPECT_EQ(HarakiriBackstop::grace_s(6), 3);
    EXPECT_EQ(HarakiriBackstop::grace_s(60), 5);
}

TEST(HarakiriBackstop, KillsOnlyAWorkerWhoseRequestPassedHarakiriPlusGrace) {
    Fixture f;
    f.live = {101, 102};
    f.board->claim(1, 101)[1].started_ms = 1'000;
    f.board->claim(2, 102)[0].started_ms = 5'000;
    f.backstop->check_ms(1'000 + 15'000);  // exactly at the limit: not yet
    EXPECT_TRUE(f.killed.empty());
    f.backstop->check_ms(1'000 + 16'000);
    EXPECT_EQ(f.killed, std::vector<pid_t>{101});
}

TEST(HarakiriBackstop, IdleWorkersAndHarakiriOffAreLeftAlone) {
    Fixture f;
    f.live = {101};
    f.board->claim(1, 101);
    f.backstop->check_ms(1'000'000);
    EXPECT_TRUE(f.killed.empty());
    f.board->requests(1)[0].started_ms = 1;
    f.backstop->watch(f.board.get(), 0);
    f.backstop->check_ms(2'000'000);
    EXPECT_TRUE(f.killed.empty());
}

TEST(HarakiriBackstop, ChecksAtMostOnceASecondAndCountsTries) {
    Fixture f;
    f.live = {101};
    f.board->claim(1, 101)[0].started_ms = 1'000;
    f.backstop->check_ms(20'000);
    f.backstop->check_ms(20'500);  // within the second: no second look
    EXPECT_EQ(f.killed.size(), 1u);
    f.backstop->check_ms(21'000);  // still there (a process in D state): again, try 2
    EXPECT_EQ(f.killed, (std::vector<pid_t>{101, 101}));
}

TEST(HarakiriBackstop, ASlotLeftByADeadWorkerIsClearedNotKilled) {
    Fixture f;
    f.board->claim(3, 103)[0].started_ms = 1'000;  // 103 is not a live child (reaped, maybe reused)
    f.backstop->check_ms(30'000);
    EXPECT_TRUE(f.killed.empty());
    EXPECT_EQ(f.board->requests(3)[0].started_ms.load(), 0);
}

TEST(Scoreboard, ClaimTakesTheSlotAndIdlesItsRequests) {
    std::string error;
    auto board = Scoreboard::create(2, 3, error);
    ASSERT_TRUE(board) << error;
    EXPECT_EQ(Scoreboard::current(), board.get());
    EXPECT_EQ(board->worker(0), nullptr);
    EXPECT_EQ(board->worker(3), nullptr);
    EXPECT_TRUE(board->requests(3).empty());
    board->requests(2)[2].started_ms = 77;
    auto requests = board->claim(2, 4242);
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[2].started_ms.load(), 0);
    EXPECT_EQ(board->worker(2)->pid.load(), 4242);
    EXPECT_NE(board->requests(1).data(), requests.data());
    board.reset();
    EXPECT_EQ(Scoreboard::current(), nullptr);
}

}  // namespace
}  // namespace appserver
