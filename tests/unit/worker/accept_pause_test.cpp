#include "worker/accept_pause.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

using namespace std::chrono_literals;
using Clock = AcceptPause::Clock;

TEST(AcceptPause, ARefusalPausesUntilThePauseEnds) {
    AcceptPause pause;
    Clock::time_point t0{};
    EXPECT_FALSE(pause.active());
    EXPECT_EQ(pause.wait_ms(t0, 1000), 1000);
    pause.refuse(t0, 60);
    EXPECT_TRUE(pause.active());
    EXPECT_FALSE(pause.should_resume(t0 + 100ms, 60));
    EXPECT_EQ(pause.wait_ms(t0 + 50ms, 1000), AcceptPause::kPause.count() - 50)
        << "the loop wakes when it ends";
    EXPECT_TRUE(pause.should_resume(t0 + AcceptPause::kPause, 60));
    EXPECT_EQ(pause.wait_ms(t0 + AcceptPause::kPause, 1000), 0);
    pause.resume();
    EXPECT_FALSE(pause.active());
    EXPECT_FALSE(pause.should_resume(t0 + 1s, 60));
}

TEST(AcceptPause, AClosedConnectionEndsThePauseAtOnce) {
    AcceptPause pause;
    Clock::time_point t0{};
    pause.refuse(t0, 60);
    EXPECT_FALSE(pause.should_resume(t0 + 1ms, 60));
    EXPECT_FALSE(pause.should_resume(t0 + 1ms, 61));
    EXPECT_TRUE(pause.should_resume(t0 + 1ms, 59)) << "a descriptor was freed";
}

TEST(AcceptPause, RefusalsAreReportedOncePerIntervalWithACount) {
    AcceptPause pause;
    Clock::time_point t0{};
    EXPECT_TRUE(pause.refuse(t0, 60)) << "the first refusal is logged";
    EXPECT_EQ(pause.unreported(), 0u);
    int logged = 0;
    for (int i = 1; i <= 49; ++i) logged += pause.refuse(t0 + i * 200ms, 60);  // 9.8 s of refusals
    EXPECT_EQ(logged, 0);
    EXPECT_TRUE(pause.refuse(t0 + AcceptPause::kReportEvery, 60));
    EXPECT_EQ(pause.unreported(), 49u) << "the next line says how many were not logged";
    EXPECT_FALSE(pause.refuse(t0 + AcceptPause::kReportEvery + 1s, 60));
}

}  // namespace
}  // namespace appserver
