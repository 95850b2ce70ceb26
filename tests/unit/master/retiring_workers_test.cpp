#include "master/retiring_workers.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

using std::chrono::seconds;
const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

TEST(RetiringWorkers, AWorkerPastTheMercyIsKilledOnce) {
    RetiringWorkers r;
    r.add(100, t0 + seconds(2));
    r.add(200, t0 + seconds(5));
    EXPECT_TRUE(r.overdue(t0 + seconds(1)).empty());
    EXPECT_EQ(r.overdue(t0 + seconds(2)), std::vector<pid_t>{100});
    EXPECT_TRUE(r.overdue(t0 + seconds(3)).empty());  // already killed: not again
    EXPECT_EQ(r.overdue(t0 + seconds(60)), std::vector<pid_t>{200});
    EXPECT_EQ(r.size(), 2u);  // still there until reaped
    EXPECT_TRUE(r.remove(100));
    EXPECT_FALSE(r.remove(100));
    EXPECT_EQ(r.pids(), std::vector<pid_t>{200});
}

TEST(RetiringWorkers, TheEarlierDeadlineWins) {
    RetiringWorkers r;
    r.add(100, t0 + seconds(60));  // e.g. stopped accepting after max-requests
    r.add(100, t0 + seconds(2));   // then a graceful stop with a shorter mercy
    r.add(100, t0 + seconds(90));
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(r.overdue(t0 + seconds(2)), std::vector<pid_t>{100});
}

}  // namespace
}  // namespace appserver
