#include "os/fork_count.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace appserver {
namespace {

TEST(ForkCount, CountsEveryForkOnceInstalled) {
    count_forks();
    count_forks();  // a second install must not count twice
    std::uint64_t before = forks_so_far();
    for (int i = 0; i < 2; ++i) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) ::_exit(0);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    }
    EXPECT_EQ(forks_so_far(), before + 2);
}

}  // namespace
}  // namespace appserver
