#include "master/service_notify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "os/monotonic_clock.h"

namespace appserver {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

struct Captured {
    std::vector<std::string> messages;
    ServiceNotify make(ServiceNotify::Settings settings = {}) {
        return ServiceNotify(
            [this](std::string_view m) {
                messages.emplace_back(m);
                return true;
            },
            settings);
    }
};

TEST(ServiceNotify, StatusLine) {
    EXPECT_EQ(worker_status_line(2, 0), "2 workers, 0 busy");
    EXPECT_EQ(worker_status_line(1, 1), "1 worker, 1 busy");
}

TEST(ServiceNotify, ReadyCarriesTheStatusAndTheDaemonsPid) {
    Captured c;
    ServiceNotify n = c.make({.watchdog_us = 0, .main_pid = 4242});
    n.loading();
    n.ready(t0, "2 workers, 0 busy");
    ASSERT_EQ(c.messages.size(), 2u);
    EXPECT_EQ(c.messages[0], "STATUS=loading the application");
    EXPECT_EQ(c.messages[1], "READY=1\nSTATUS=2 workers, 0 busy\nMAINPID=4242");
}

TEST(ServiceNotify, StatusOnlyWhenChangedAndAtMostOnceASecond) {
    Captured c;
    ServiceNotify n = c.make();
    n.ready(t0, "2 workers, 0 busy");
    int asked = 0;
    std::string text = "2 workers, 1 busy";
    auto status = [&] {
        ++asked;
        return text;
    };
    n.tick(t0 + milliseconds(500), status);  // too soon: not even asked
    EXPECT_EQ(asked, 0);
    n.tick(t0 + seconds(1), status);
    n.tick(t0 + milliseconds(1500), status);  // changed again, but within the second
    text = "2 workers, 2 busy";
    n.tick(t0 + milliseconds(1900), status);
    n.tick(t0 + seconds(2), status);
    n.tick(t0 + seconds(3), status);  // unchanged: nothing
    EXPECT_EQ(c.messages, (std::vector<std::string>{"READY=1\nSTATUS=2 workers, 0 busy",
                                                    "STATUS=2 workers, 1 busy", "STATUS=2 workers, 2 busy"}));
}

TEST(ServiceNotify, ReloadThenReadyAndNoStatusWhileReloading) {
    Captured c;
    ServiceNotify n = c.make();
    n.ready(t0, "2 workers, 0 busy");
    n.reloading("SIGHUP");
    n.tick(t0 + seconds(5), [] { return std::string("2 workers, 2 busy"); });  // the reload's status stays
    ASSERT_EQ(c.messages.size(), 2u);
    EXPECT_TRUE(c.messages[1].starts_with("RELOADING=1\nMONOTONIC_USEC="));
    EXPECT_NE(c.messages[1].find("\nSTATUS=reloading (SIGHUP)"), std::string::npos);
    auto usec = std::stoull(c.messages[1].substr(c.messages[1].find('=', 12) + 1));
    EXPECT_NEAR(static_cast<double>(usec), static_cast<double>(monotonic_us()), 5e6);
    n.reload_failed(t0 + seconds(6), "SyntaxError");
    EXPECT_EQ(c.messages.back(),
              "READY=1\nSTATUS=reload failed, the previous generation serves: SyntaxError");
}

TEST(ServiceNotify, StoppingOnceAndNothingReadyAfter) {
    Captured c;
    ServiceNotify n = c.make();
    n.ready(t0, "1 worker, 0 busy");
    n.stopping();
    n.stopping();
    n.ready(t0 + seconds(2), "1 worker, 0 busy");  // e.g. a reload report racing the stop
    n.tick(t0 + seconds(3), [] { return std::string("0 workers, 0 busy"); });
    EXPECT_EQ(c.messages,
              (std::vector<std::string>{"READY=1\nSTATUS=1 worker, 0 busy", "STOPPING=1\nSTATUS=stopping"}));
}

TEST(ServiceNotify, WatchdogEveryHalfInterval) {
    Captured c;
    ServiceNotify n = c.make({.watchdog_us = 2'000'000, .main_pid = 0});
    auto none = [] { return std::string(); };
    EXPECT_EQ(n.until_due(t0), ServiceNotify::Clock::duration::zero());
    n.tick(t0, none);
    EXPECT_EQ(n.until_due(t0), seconds(1));
    n.tick(t0 + milliseconds(999), none);
    n.tick(t0 + seconds(1), none);
    n.tick(t0 + milliseconds(1500), none);
    EXPECT_EQ(c.messages, (std::vector<std::string>{"WATCHDOG=1", "WATCHDOG=1"}));
    EXPECT_EQ(c.make().until_due(t0), ServiceNotify::Clock::duration::max());  // no watchdog asked
}

TEST(ServiceNotify, NothingWithoutASocket) {
    ServiceNotify n;
    EXPECT_FALSE(n.active());
    n.ready(t0, "x");  // no crash, nothing to send to
    EXPECT_EQ(n.until_due(t0), ServiceNotify::Clock::duration::max());
}

}  // namespace
}  // namespace appserver
