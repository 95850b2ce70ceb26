#pragma once
// uWSGI's cron schedule, as a pure unit: five numbers (minute hour day month weekday), where -1 is
// "any" and -N is "every N" (the field's value divisible by N), and weekday 7 is Sunday. As in
// crontab, when both day and weekday are fixed (>= 0) either may match. Used by add_cron (signals)
// and by the `cron`, `unique-cron` and `cron2` ini keys (commands run by the master).

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace appserver::cron {

struct Schedule {
    int minute = -1;
    int hour = -1;
    int day = -1;    // of the month, 1..31
    int month = -1;  // 1..12
    int week = -1;   // weekday, 0..6 (Sunday 0; 7 also Sunday)
};

// True when `t` (a local time as localtime_r gives it: tm_mon 0..11) falls on the schedule; uWSGI's
// uwsgi_cron_task_needs_execution, field for field.
bool matches(const std::tm& t, const Schedule& s);

// A command the master runs on a schedule.
struct Command {
    Schedule when;
    std::string command;  // run with /bin/sh -c
    bool unique = false;  // not started again while the previous run lives
    int harakiri_s = 0;   // cron2 harakiri=N: killed after N seconds (0: never)
};

// `cron = MIN HOUR DAY MONTH WEEKDAY command` (also unique-cron). nullopt: `error` says why.
std::optional<Command> parse_cron(std::string_view value, std::string& error);
// `cron2 = minute=..,hour=..,day=..,month=..,week=..,unique=1,harakiri=N command`; every field left
// out is -1 (any). nullopt: `error` says why.
std::optional<Command> parse_cron2(std::string_view value, std::string& error);

}  // namespace appserver::cron
