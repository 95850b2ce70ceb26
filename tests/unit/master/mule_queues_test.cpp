#include "master/mule_queues.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "appserver/api_mules.h"

namespace appserver {
namespace {

MulePlan two_mules_and_a_farm(int msg_size = 0) {
    MulePlan plan;
    plan.mules = {"", "script.py"};
    plan.farms = {FarmPlan{.name = "pair", .mules = {2}}};
    plan.msg_size = msg_size;
    return plan;
}

int g_last_signal = -1;

TEST(MuleQueues, MessagesGoToTheMuleTheSharedQueueOrTheFarm) {
    MuleQueues queues;
    std::string error;
    ASSERT_TRUE(queues.create(two_mules_and_a_farm(), error)) << error;
    EXPECT_EQ(api::mule_count(), 2);
    EXPECT_EQ(api::mule_id(), 0);  // not a mule
    EXPECT_EQ(api::mule_receive(true, true, 100, 0).kind, api::Received::Kind::error);
    EXPECT_EQ(api::send_to_mule(1, "for one"), api::SendResult::sent);
    EXPECT_EQ(api::send_to_mule(0, "for anyone"), api::SendResult::sent);
    EXPECT_EQ(api::send_to_farm("pair", "for the farm"), api::SendResult::sent);
    EXPECT_EQ(api::send_to_mule(3, "x"), api::SendResult::failed);
    EXPECT_EQ(api::send_to_farm("nope", "x"), api::SendResult::failed);
    EXPECT_EQ(*api::mule_file(2), "script.py");
    EXPECT_FALSE(api::mule_file(1).has_value());

    // Mule 1 reads its own queue first, then the shared one; the farm's message is not for it.
    queues.enter_mule(1);
    EXPECT_FALSE(api::in_farm(""));
    api::Received got = api::mule_receive(true, true, 100, 1000);
    EXPECT_EQ(got.kind, api::Received::Kind::message);
    EXPECT_EQ(got.data, "for one");
    EXPECT_EQ(api::mule_receive(true, true, 100, 1000).data, "for anyone");
    EXPECT_EQ(api::mule_receive(true, true, 100, 50).kind, api::Received::Kind::timeout);

    // Mule 2 is in the farm; farms=false leaves farm messages queued. A message longer than the
    // buffer is cut, as a datagram read is.
    queues.enter_mule(2);
    EXPECT_TRUE(api::in_farm("pair"));
    EXPECT_EQ(api::mule_receive(true, false, 100, 50).kind, api::Received::Kind::timeout);
    EXPECT_EQ(api::farm_receive(3, 1000).data, "for");
    queues.enter_mule(0);
}

TEST(MuleQueues, AFullQueueRefusesWithoutBlocking) {
    MuleQueues queues;
    std::string error;
    ASSERT_TRUE(queues.create(two_mules_and_a_farm(4096), error)) << error;
    const std::string message(1000, 'x');
    int sent = 0;
    while (sent < 10000 && api::send_to_mule(1, message) == api::SendResult::sent) ++sent;
    EXPECT_GT(sent, 0);
    EXPECT_LT(sent, 10000);
    EXPECT_EQ(api::send_to_mule(1, message), api::SendResult::full);
    // Larger than the whole buffer: refused, not cut.
    EXPECT_EQ(api::send_to_mule(2, std::string(64 * 1024, 'y')), api::SendResult::failed);
}

// The signal framework writes one byte (the signal number) to a channel; the mule's wait hands it
// to the runner and returns (uWSGI's mule_get_msg returns None then).
TEST(MuleQueues, ASignalByteWakesTheMuleAndRunsTheRunner) {
    MuleQueues queues;
    std::string error;
    ASSERT_TRUE(queues.create(two_mules_and_a_farm(), error)) << error;
    auto channels = queues.signal_channels();
    ASSERT_EQ(channels.size(), 3u);
    EXPECT_EQ(channels[0].first, 0);
    EXPECT_EQ(channels[2].first, 2);
    api::set_mule_signal_runner([](int signum) { g_last_signal = signum; });
    unsigned char signum = 17;
    ASSERT_EQ(::write(channels[2].second, &signum, 1), 1);
    queues.enter_mule(2);
    api::Received got = api::mule_receive(true, true, 100, 1000);
    EXPECT_EQ(got.kind, api::Received::Kind::signal);
    EXPECT_EQ(got.signum, 17);
    EXPECT_EQ(g_last_signal, 17);
    // signals=false: the shared channel's byte waits for a mule that takes signals.
    signum = 30;
    ASSERT_EQ(::write(channels[0].second, &signum, 1), 1);
    EXPECT_EQ(api::mule_receive(false, true, 100, 50).kind, api::Received::Kind::timeout);
    EXPECT_EQ(api::mule_receive(true, true, 100, 1000).signum, 30);
    api::set_mule_signal_runner(nullptr);
    queues.enter_mule(0);
}

// What a worker and a mule keep after fork: every sending end, only their own reading ends.
TEST(MuleQueues, AfterForkEachProcessKeepsOnlyItsOwnReadingEnds) {
    MuleQueues worker;
    std::string error;
    ASSERT_TRUE(worker.create(two_mules_and_a_farm(), error)) << error;
    worker.close_others(0);
    for (int id : {0, 1, 2}) {
        EXPECT_FALSE(worker.queue(id).receive) << id;
        EXPECT_FALSE(worker.signal_channel(id).receive) << id;
        EXPECT_TRUE(worker.queue(id).send) << id;
    }
    EXPECT_FALSE(worker.farm_queue(0).receive);
    EXPECT_TRUE(worker.farm_queue(0).send);

    MuleQueues mule;
    ASSERT_TRUE(mule.create(two_mules_and_a_farm(), error)) << error;
    mule.close_others(2);
    EXPECT_FALSE(mule.queue(1).receive);
    EXPECT_FALSE(mule.signal_channel(1).receive);
    EXPECT_TRUE(mule.queue(2).receive);
    EXPECT_TRUE(mule.signal_channel(2).receive);
    EXPECT_TRUE(mule.queue(0).receive);
    EXPECT_TRUE(mule.farm_queue(0).receive);  // mule 2 is in the farm
}

TEST(MuleQueues, NoMulesNoQueues) {
    MuleQueues queues;
    std::string error;
    ASSERT_TRUE(queues.create(MulePlan{}, error)) << error;
    EXPECT_EQ(MuleQueues::current(), nullptr);
    EXPECT_EQ(api::mule_count(), 0);
    EXPECT_EQ(api::send_to_mule(0, "x"), api::SendResult::failed);
}

}  // namespace
}  // namespace appserver
