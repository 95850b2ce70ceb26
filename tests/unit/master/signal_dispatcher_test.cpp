#include "master/signal_dispatcher.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "appserver/api_signals.h"

namespace appserver {
namespace {

// The signals waiting at `fd` (non-blocking read of everything).
std::string pending(int fd) {
    std::string out;
    unsigned char buf[256];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;)
        for (ssize_t i = 0; i < n; ++i) out += std::to_string(buf[i]) + " ";
    return out;
}

class SignalDispatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string error;
        hub_ = SignalHub::create(error);
        ASSERT_TRUE(hub_) << error;
        for (int id = 1; id <= 3; ++id) ASSERT_TRUE(hub_->ensure_worker_channel(id, error)) << error;
        dispatcher_.start(hub_.get(), [](int id) { return id != 2; });  // worker 2 is being respawned
    }
    std::unique_ptr<SignalHub> hub_;
    SignalDispatcher dispatcher_;
    const Clock::time_point t0_ = Clock::time_point{} + std::chrono::hours(1);
};

TEST_F(SignalDispatcherTest, RoutesEachTargetToItsChannels) {
    std::string error;
    ASSERT_TRUE(api::register_signal(1, "worker", error));
    ASSERT_TRUE(api::register_signal(2, "workers", error));
    ASSERT_TRUE(api::register_signal(3, "worker3", error));
    ASSERT_TRUE(api::register_signal(4, "active-workers", error));
    for (int num : {1, 2, 3, 4}) dispatcher_.route(num);
    EXPECT_EQ(pending(hub_->pool_worker_end()), "1 ");
    EXPECT_EQ(pending(hub_->worker_end(1)), "2 4 ");
    EXPECT_EQ(pending(hub_->worker_end(2)), "2 ");
    EXPECT_EQ(pending(hub_->worker_end(3)), "2 3 4 ");
    EXPECT_EQ(api::signal_counters().routed, 7u);
}

TEST_F(SignalDispatcherTest, AnUnregisteredSignalGoesToThePoolAsInUwsgi) {
    dispatcher_.route(200);
    EXPECT_EQ(pending(hub_->pool_worker_end()), "200 ");
}

TEST_F(SignalDispatcherTest, MulesAndTheSpoolerGetNothingUntilTheirChannelIsRegistered) {
    std::string error;
    ASSERT_TRUE(api::register_signal(5, "mules", error));
    ASSERT_TRUE(api::register_signal(6, "spooler", error));
    ASSERT_TRUE(api::register_signal(7, "worker9", error));
    for (int num : {5, 6, 7}) dispatcher_.route(num);  // nowhere: logged once each, nothing sent
    EXPECT_EQ(pending(hub_->pool_worker_end()), "");
    int mule[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, mule), 0);
    dispatcher_.add_receiver({.name = "mule1", .group = "mules", .fd = mule[0]});
    dispatcher_.route(5);
    EXPECT_EQ(pending(mule[1]), "5 ");
    dispatcher_.remove_receiver("mule1");
    dispatcher_.route(5);
    EXPECT_EQ(pending(mule[1]), "");
    ::close(mule[0]);
    ::close(mule[1]);
}

TEST_F(SignalDispatcherTest, ASignalRaisedByAWorkerIsReadAndRouted) {
    std::string error;
    ASSERT_TRUE(api::register_signal(9, "workers", error));
    // As a worker raises: through its own channel (here worker 2's end, written from this process).
    ASSERT_EQ(::send(hub_->worker_end(2), "\x09", 1, 0), 1);
    std::vector<pollfd> fds;
    dispatcher_.poll_set(fds);
    ASSERT_EQ(::poll(fds.data(), fds.size(), 1000), 1);
    dispatcher_.on_poll(fds);
    EXPECT_EQ(pending(hub_->worker_end(1)), "9 ");
    EXPECT_EQ(pending(hub_->worker_end(3)), "9 ");
}

TEST_F(SignalDispatcherTest, TimersFireOnTimeAndRbTimersStopAfterTheirIterations) {
    std::string error;
    ASSERT_TRUE(api::add_timer(20, 1000, 0, error));
    ASSERT_TRUE(api::add_timer(21, 500, 2, error));
    dispatcher_.tick(t0_, 0);  // picked up: first due one interval later
    EXPECT_EQ(dispatcher_.wait_ms(t0_, 1000), 501);
    EXPECT_EQ(pending(hub_->pool_worker_end()), "");
    for (int ms = 100; ms <= 3000; ms += 100) dispatcher_.tick(t0_ + std::chrono::milliseconds(ms), 0);
    std::string fired = pending(hub_->pool_worker_end());
    EXPECT_EQ(fired, "21 20 21 20 20 ");
}

TEST_F(SignalDispatcherTest, ACronFiresOncePerMatchingMinute) {
    std::string error;
    ASSERT_TRUE(api::add_cron(30, -1, -1, -1, -1, -1, error));
    std::time_t wall = 1'800'000'000;  // any minute matches
    dispatcher_.tick(t0_, wall);
    dispatcher_.tick(t0_, wall + 30);
    dispatcher_.tick(t0_, wall + 60);
    EXPECT_EQ(pending(hub_->pool_worker_end()), "30 30 ");
}

TEST_F(SignalDispatcherTest, AFullChannelDropsAndCountsInsteadOfBlocking) {
    // Nobody reads worker 1's channel: the master's writes fail fast once its buffer is full.
    std::string error;
    ASSERT_TRUE(api::register_signal(40, "worker1", error));
    for (int i = 0; i < 2'000'000 && api::signal_counters().dropped == 0; ++i) dispatcher_.route(40);
    EXPECT_GT(api::signal_counters().dropped, 0u);
    // One byte per signal, but a unix stream socket's buffer holds a few hundred sends at the
    // default size (signal-bufsize raises it), as in uWSGI.
    EXPECT_GT(api::signal_counters().routed, 100u);
}

TEST(SignalHubTable, SignalBufsizeSizesEveryChannel) {
    std::string error;
    auto hub = SignalHub::create(error);
    ASSERT_TRUE(hub);
    hub->set_buffer_size(65536);
    ASSERT_TRUE(hub->ensure_worker_channel(2, error));
    for (int fd : {hub->pool_master_end(), hub->pool_worker_end(), hub->worker_master_end(1), hub->worker_end(2)}) {
        int size = 0;
        socklen_t len = sizeof size;
        ASSERT_EQ(::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len), 0);
        EXPECT_EQ(size, 2 * 65536);  // Linux doubles what was asked, for its bookkeeping
    }
}

TEST(SignalApi, WithoutAHubEveryCallSucceedsAndDoesNothing) {
    std::string error;
    EXPECT_TRUE(api::register_signal(1, "workers", error));
    EXPECT_TRUE(api::raise_signal(1, error));
    EXPECT_TRUE(api::add_timer(1, 1000, 0, error));
    EXPECT_EQ(api::signal_counters().routed, 0u);
}

TEST(SignalHubTable, RefusesBadNumbersAndLongTargets) {
    std::string error;
    auto hub = SignalHub::create(error);
    ASSERT_TRUE(hub);
    EXPECT_FALSE(hub->set_target(256, "worker", error));
    EXPECT_FALSE(hub->set_target(1, std::string(64, 'w'), error));
    EXPECT_TRUE(hub->set_target(1, std::string(63, 'w'), error));
    EXPECT_EQ(hub->target(1), std::string(63, 'w'));
    EXPECT_TRUE(hub->registered(1));
    EXPECT_FALSE(hub->registered(2));
    for (int i = 0; i < kMaxSignalSources; ++i) ASSERT_TRUE(hub->add_timer({.signal = 1, .interval_ms = 1000}, error));
    EXPECT_FALSE(hub->add_timer({.signal = 1, .interval_ms = 1000}, error));
    EXPECT_NE(error.find("max 64"), std::string::npos);
}

}  // namespace
}  // namespace appserver
