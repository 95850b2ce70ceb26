#include "master/respawn_policy.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

using std::chrono::milliseconds;
const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

TEST(RespawnPolicy, AWorkerThatReportedReadyIsRespawnedAtOnceHoweverSoonItDied) {
    // A URL that segfaults its worker 10 ms after the start: no back-off, and the count resets.
    RespawnDecision d = decide_respawn({.reported_ready = true}, 5, t0);
    EXPECT_EQ(d.next_spawn, t0);
    EXPECT_EQ(d.boot_failures, 0);
    EXPECT_FALSE(d.backing_off);
}

TEST(RespawnPolicy, AWorkerThatDiedBeforeReportingReadyBacksOffExponentially) {
    int failures = 0;
    std::vector<milliseconds> delays;
    for (int i = 0; i < 10; ++i) {
        RespawnDecision d = decide_respawn({.reported_ready = false}, failures, t0);
        EXPECT_TRUE(d.backing_off);
        delays.push_back(std::chrono::duration_cast<milliseconds>(d.next_spawn - t0));
        failures = d.boot_failures;
    }
    EXPECT_EQ(failures, 10);
    EXPECT_EQ(delays[0], milliseconds(250));
    EXPECT_EQ(delays[1], milliseconds(500));
    EXPECT_EQ(delays[2], milliseconds(1000));
    EXPECT_EQ(delays[6], milliseconds(16000));
    EXPECT_EQ(delays[7], milliseconds(30000));  // capped
    EXPECT_EQ(delays[9], milliseconds(30000));
}

TEST(RespawnPolicy, BootFailedExitCodeBacksOffEvenAfterReady) {
    RespawnDecision d = decide_respawn({.reported_ready = true, .boot_failed = true}, 1, t0);
    EXPECT_TRUE(d.backing_off);
    EXPECT_EQ(d.next_spawn, t0 + milliseconds(500));
    EXPECT_EQ(d.boot_failures, 2);
}

TEST(RespawnPolicy, ASuccessfulStartEndsTheBackOff) {
    RespawnDecision failed = decide_respawn({.reported_ready = false}, 3, t0);
    RespawnDecision served = decide_respawn({.reported_ready = true}, failed.boot_failures, t0);
    EXPECT_EQ(served.boot_failures, 0);
    RespawnDecision again = decide_respawn({.reported_ready = false}, served.boot_failures, t0);
    EXPECT_EQ(again.next_spawn, t0 + milliseconds(250));
}

}  // namespace
}  // namespace appserver

namespace appserver {
namespace {

TEST(RespawnPolicyForkRate, AWorkerThatDiesRightAfterItsStartWaitsOutTheMinimumInterval) {
    // Ready, then dead 10 ms after the fork: the next fork waits until 100 ms after the last one.
    RespawnDecision d =
        decide_respawn({.reported_ready = true, .started = t0}, 0, t0 + std::chrono::milliseconds(10));
    EXPECT_EQ(d.next_spawn, t0 + kMinRespawnInterval);
    EXPECT_FALSE(d.backing_off);
    // One that lived longer is replaced at once.
    RespawnDecision later =
        decide_respawn({.reported_ready = true, .started = t0}, 0, t0 + std::chrono::seconds(1));
    EXPECT_EQ(later.next_spawn, t0 + std::chrono::seconds(1));
}

}  // namespace
}  // namespace appserver
