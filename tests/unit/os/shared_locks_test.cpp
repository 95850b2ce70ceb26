#include "os/shared_locks.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appserver/api_locks.h"

namespace appserver {
namespace {

TEST(SharedLocks, NumbersZeroToCountMinusOne) {
    std::string error;
    auto locks = SharedLocks::create(3, error);
    ASSERT_TRUE(locks) << error;
    EXPECT_EQ(api::lock_count(), 3);
    EXPECT_FALSE(api::lock(3));
    EXPECT_FALSE(api::lock(-1));
    EXPECT_FALSE(api::is_locked(2));
    ASSERT_TRUE(api::lock(2));
    EXPECT_TRUE(api::is_locked(2));
    EXPECT_FALSE(api::is_locked(0));
    EXPECT_TRUE(api::unlock(2));
    EXPECT_FALSE(api::is_locked(2));
    EXPECT_FALSE(api::unlock(2));  // not held: left alone
}

// A process killed while holding a lock does not leave it taken for ever.
TEST(SharedLocks, ALockWhoseHolderDiedIsRecovered) {
    std::string error;
    auto locks = SharedLocks::create(1, error);
    ASSERT_TRUE(locks) << error;
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        api::lock(0);
        char c = 'x';
        [[maybe_unused]] ssize_t n = ::write(ready[1], &c, 1);
        ::pause();
        ::_exit(0);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    EXPECT_TRUE(api::is_locked(0));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(api::lock(0));  // EOWNERDEAD: taken over, not a deadlock
    EXPECT_TRUE(api::unlock(0));
    EXPECT_TRUE(api::lock(0));  // and usable as usual afterwards
    EXPECT_TRUE(api::unlock(0));
    ::close(ready[0]);
    ::close(ready[1]);
}

}  // namespace
}  // namespace appserver
