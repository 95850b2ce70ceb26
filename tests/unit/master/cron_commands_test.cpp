#include "master/cron_commands.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

namespace appserver {
namespace {

// A fixed wall clock: 2026-11-27 13:00:00 local time, then whole minutes later.
std::time_t minute(int n) {
    std::tm t{};
    t.tm_year = 126;
    t.tm_mon = 10;
    t.tm_mday = 27;
    t.tm_hour = 13;
    t.tm_min = n;
    t.tm_isdst = -1;
    return std::mktime(&t);
}

cron::Command every_minute(const char* command, bool unique) {
    return cron::Command{.when = {}, .command = command, .unique = unique};
}

// Reaps our runs as the arbiter does (waitpid -> on_child_exit), for up to 10 s.
void reap_all(CronCommands& crons) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (crons.running() > 0 && std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            crons.on_child_exit(pid, status);
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

TEST(CronCommands, AUniqueEntryIsNotStartedAgainWhileItsRunLives) {
    CronCommands crons({every_minute("sleep 30", true)});
    crons.tick(minute(0));
    EXPECT_EQ(crons.running(), 1);
    crons.tick(minute(1));
    crons.tick(minute(2));
    EXPECT_EQ(crons.running(), 1);  // the first run still lives: no second one
    crons.stop(true);
    reap_all(crons);
    EXPECT_EQ(crons.running(), 0);
    crons.tick(minute(3));  // gone: the next match starts it again
    EXPECT_EQ(crons.running(), 1);
    crons.stop(true);
    reap_all(crons);
}

TEST(CronCommands, APlainEntryOverlapsItsPreviousRun) {
    CronCommands crons({every_minute("sleep 30", false)});
    crons.tick(minute(0));
    crons.tick(minute(1));
    EXPECT_EQ(crons.running(), 2);
    crons.stop(true);
    reap_all(crons);
    EXPECT_EQ(crons.running(), 0);
}

TEST(CronCommands, StartsAtMostOncePerMinuteAndOnlyWhenTheScheduleMatches) {
    cron::Command at_five = every_minute("exit 0", false);
    at_five.when.minute = 5;
    CronCommands crons({at_five});
    crons.tick(minute(4));
    EXPECT_EQ(crons.running(), 0);
    crons.tick(minute(5));
    crons.tick(minute(5) + 1);
    crons.tick(minute(5) + 30);
    EXPECT_EQ(crons.running(), 1);
    reap_all(crons);
}

TEST(CronCommands, HarakiriKillsARunThatTakesTooLong) {
    cron::Command slow = every_minute("sleep 30", true);
    slow.harakiri_s = 5;
    CronCommands crons({slow});
    crons.tick(minute(0));
    crons.tick(minute(0) + 4);
    int status = 0;
    EXPECT_EQ(::waitpid(-1, &status, WNOHANG), 0);  // still running at 4 s
    crons.tick(minute(0) + 5);
    reap_all(crons);
    EXPECT_EQ(crons.running(), 0);
}

TEST(CronCommands, NotOursIsNotClaimed) {
    CronCommands crons({every_minute("exit 0", false)});
    EXPECT_FALSE(crons.on_child_exit(12345, 0));
}

}  // namespace
}  // namespace appserver
