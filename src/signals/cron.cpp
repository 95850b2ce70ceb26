#include "signals/cron.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace appserver::cron {
namespace {

// A negative field is "every N" (-1: every value); it then stands for the current value when that
// is a multiple of N. A non-negative field stands for itself.
int effective(int field, int now) {
    if (field < 0 && now % std::abs(field) == 0) return now;
    return field;
}

bool parse_int(std::string_view text, int& out) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

bool matches(const std::tm& t, const Schedule& s) {
    int month_now = t.tm_mon + 1;  // uWSGI compares 1..12
    int minute = effective(s.minute, t.tm_min);
    int hour = effective(s.hour, t.tm_hour);
    int day = effective(s.day, t.tm_mday);
    int month = effective(s.month, month_now);
    int week = effective(s.week == 7 ? 0 : s.week, t.tm_wday);
    bool time_ok = t.tm_min == minute && t.tm_hour == hour && month_now == month;
    if (s.day >= 0 && s.week >= 0) return time_ok && (t.tm_mday == day || t.tm_wday == week);
    return time_ok && t.tm_mday == day && t.tm_wday == week;
}

std::optional<Command> parse_cron(std::string_view value, std::string& error) {
    Command c;
    int* fields[5] = {&c.when.minute, &c.when.hour, &c.when.day, &c.when.month, &c.when.week};
    std::string_view rest = trim(value);
    for (int* field : fields) {
        std::size_t space = std::min(rest.find_first_of(" \t"), rest.size());
        if (!parse_int(rest.substr(0, space), *field)) {
            error = "invalid cron syntax \"" + std::string(value) +
                    "\": expected MINUTE HOUR DAY MONTH WEEKDAY COMMAND (numbers; -1 any, -N every N)";
            return std::nullopt;
        }
        rest = trim(rest.substr(space));
    }
    if (rest.empty()) {
        error = "invalid cron syntax \"" + std::string(value) + "\": no command";
        return std::nullopt;
    }
    c.command = std::string(rest);
    return c;
}

std::optional<Command> parse_cron2(std::string_view value, std::string& error) {
    value = trim(value);
    auto refuse = [&](const std::string& why) {
        error = "unable to parse cron2 definition \"" + std::string(value) + "\": " + why;
        return std::nullopt;
    };
    std::size_t space = value.find_first_of(" \t");
    std::string_view spec = value.substr(0, space);
    Command c;
    if (spec.find('=') == std::string_view::npos) {
        // uWSGI: no key=value list, the whole value is the command, run every minute.
        c.command = std::string(value);
        return c;
    }
    if (space == std::string_view::npos) return refuse("expected key=value[,key=value...] COMMAND");
    c.command = std::string(trim(value.substr(space)));
    while (!spec.empty()) {
        std::size_t comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
        std::size_t eq = item.find('=');
        int number = 0;
        if (eq == std::string_view::npos || !parse_int(item.substr(eq + 1), number))
            return refuse("\"" + std::string(item) + "\" is not key=NUMBER");
        std::string_view key = item.substr(0, eq);
        if (key == "minute") c.when.minute = number;
        else if (key == "hour") c.when.hour = number;
        else if (key == "day") c.when.day = number;
        else if (key == "month") c.when.month = number;
        else if (key == "week") c.when.week = number;
        else if (key == "unique") c.unique = number != 0;
        else if (key == "harakiri") c.harakiri_s = number;
        else return refuse("unknown key \"" + std::string(key) + "\" (minute, hour, day, month, week, unique, harakiri)");
    }
    if (c.command.empty()) return refuse("no command");
    return c;
}

}  // namespace appserver::cron
