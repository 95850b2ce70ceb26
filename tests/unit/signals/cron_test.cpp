#include "signals/cron.h"

#include <gtest/gtest.h>

namespace appserver::cron {
namespace {

// 2026-11-27 (a Friday, tm_wday 5) at HH:MM.
std::tm at(int hour, int minute, int mday = 27, int mon0 = 10, int wday = 5) {
    std::tm t{};
    t.tm_year = 126;
    t.tm_mon = mon0;
    t.tm_mday = mday;
    t.tm_hour = hour;
    t.tm_min = minute;
    t.tm_wday = wday;
    return t;
}

TEST(Cron, AllWildcardsMatchEveryMinute) {
    Schedule any;
    for (int m = 0; m < 60; ++m) EXPECT_TRUE(matches(at(13, m), any)) << m;
}

TEST(Cron, NegativeIsEveryN) {
    Schedule every5{.minute = -5};
    EXPECT_TRUE(matches(at(13, 0), every5));
    EXPECT_TRUE(matches(at(13, 35), every5));
    EXPECT_FALSE(matches(at(13, 36), every5));
    Schedule every2h{.minute = 0, .hour = -2};
    EXPECT_TRUE(matches(at(14, 0), every2h));
    EXPECT_FALSE(matches(at(13, 0), every2h));
    EXPECT_FALSE(matches(at(14, 1), every2h));
}

TEST(Cron, FixedFieldsMatchExactly) {
    Schedule daily{.minute = 30, .hour = 2};
    EXPECT_TRUE(matches(at(2, 30), daily));
    EXPECT_FALSE(matches(at(3, 30), daily));
    EXPECT_FALSE(matches(at(2, 31), daily));
    Schedule november{.minute = 0, .hour = 0, .day = -1, .month = 11};  // months are 1..12
    EXPECT_TRUE(matches(at(0, 0, 27, 10), november));
    EXPECT_FALSE(matches(at(0, 0, 27, 9), november));
}

TEST(Cron, DayAndWeekdayBothFixedAreOred) {
    // crontab: "0 0 1 * 5" runs on the 1st and on every Friday.
    Schedule s{.minute = 0, .hour = 0, .day = 1, .month = -1, .week = 5};
    EXPECT_TRUE(matches(at(0, 0, 27, 10, 5), s));  // a Friday
    EXPECT_TRUE(matches(at(0, 0, 1, 10, 0), s));   // the 1st, a Sunday
    EXPECT_FALSE(matches(at(0, 0, 26, 10, 4), s));
    // One of them a wildcard: both must match.
    Schedule fridays{.minute = 0, .hour = 0, .day = -1, .month = -1, .week = 5};
    EXPECT_TRUE(matches(at(0, 0, 27, 10, 5), fridays));
    EXPECT_FALSE(matches(at(0, 0, 26, 10, 4), fridays));
}

TEST(Cron, WeekdaySevenIsSunday) {
    Schedule sundays{.minute = 0, .hour = 0, .day = -1, .month = -1, .week = 7};
    EXPECT_TRUE(matches(at(0, 0, 29, 10, 0), sundays));
    EXPECT_FALSE(matches(at(0, 0, 28, 10, 6), sundays));
}

TEST(Cron, ParsesTheCronKey) {
    std::string error;
    auto c = parse_cron("0 -1 -1 -1 -1 ./manage.py runjobs hourly", error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->when.minute, 0);
    EXPECT_EQ(c->when.hour, -1);
    EXPECT_EQ(c->when.week, -1);
    EXPECT_EQ(c->command, "./manage.py runjobs hourly");
    EXPECT_FALSE(c->unique);
    EXPECT_FALSE(parse_cron("0 -1 -1 -1 ./x", error));    // four numbers
    EXPECT_FALSE(parse_cron("* -1 -1 -1 -1 ./x", error));  // crontab's * is not uWSGI's syntax
    EXPECT_FALSE(parse_cron("0 -1 -1 -1 -1", error));      // no command
    EXPECT_NE(error.find("no command"), std::string::npos);
}

TEST(Cron, ParsesTheCron2Key) {
    std::string error;
    auto c = parse_cron2("minute=-5,hour=3,unique=1,harakiri=30 /usr/bin/backup --fast", error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->when.minute, -5);
    EXPECT_EQ(c->when.hour, 3);
    EXPECT_EQ(c->when.day, -1);
    EXPECT_EQ(c->when.month, -1);
    EXPECT_EQ(c->when.week, -1);
    EXPECT_TRUE(c->unique);
    EXPECT_EQ(c->harakiri_s, 30);
    EXPECT_EQ(c->command, "/usr/bin/backup --fast");
    // No key=value list: the whole value is the command, every minute (as uWSGI).
    auto plain = parse_cron2("touch /tmp/x", error);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->command, "touch /tmp/x");
    EXPECT_EQ(plain->when.minute, -1);
    EXPECT_FALSE(parse_cron2("minute=5", error));             // no command
    EXPECT_FALSE(parse_cron2("minute=x /bin/true", error));   // not a number
    EXPECT_FALSE(parse_cron2("minutes=5 /bin/true", error));  // unknown key
    EXPECT_NE(error.find("minutes"), std::string::npos);
}

}  // namespace
}  // namespace appserver::cron
