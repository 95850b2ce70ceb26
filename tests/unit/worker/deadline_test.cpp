// When the sweep closes a connection (worker/deadline.h): http-timeout is a total for a request
// head, a body read ahead and a drain, whatever the client trickles; keep-alive counts silence.
#include "worker/deadline.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace appserver {
namespace {

using std::chrono::seconds;

struct DeadlineTest : ::testing::Test {
    DeadlineTest() {
        listener.bound_name = "test";
        conn = std::make_unique<Connection>(UniqueFd(), PeerInfo{}, listener, request_limits);
        conn->last_activity = t0;
        conn->phase_since = t0;
    }
    bool past(Clock::time_point now, bool stopping = false) {
        return past_deadline(*conn, limits, stopping, now);
    }
    void feed(std::string_view bytes) {
        ASSERT_EQ(conn->http().feed(bytes.data(), bytes.size()), bytes.size());
        ASSERT_EQ(conn->http().state(), HttpRequestParser::State::body);
    }
    // The client sends one byte of its head at `when`.
    void trickle(Clock::time_point when) {
        conn->http().feed("G", 1);
        conn->last_activity = when;
    }

    Clock::time_point t0 = Clock::now();
    Deadlines limits{seconds(10), seconds(5)};
    RequestLimits request_limits;
    ListenSocket listener;
    std::unique_ptr<Connection> conn;
};

TEST_F(DeadlineTest, HeadTricklingByteByByteIsCutAtTheTotal) {
    for (int s = 1; s < 10; ++s) {
        trickle(t0 + seconds(s));
        EXPECT_FALSE(past(t0 + seconds(s))) << s;
    }
    trickle(t0 + seconds(10));
    EXPECT_TRUE(past(t0 + seconds(10)));  // 0 s of silence, but 10 s since the head began
}

TEST_F(DeadlineTest, NewConnectionThatSendsNothingGetsTheRequestTimeout) {
    EXPECT_FALSE(past(t0 + seconds(9)));
    EXPECT_TRUE(past(t0 + seconds(10)));
}

TEST_F(DeadlineTest, IdleKeepAliveCountsSilence) {
    conn->requests_served = 1;
    EXPECT_FALSE(past(t0 + seconds(4)));
    EXPECT_TRUE(past(t0 + seconds(5)));
    conn->last_activity = t0 + seconds(4);
    EXPECT_FALSE(past(t0 + seconds(8)));
}

TEST_F(DeadlineTest, IdleConnectionsGoWhenStopping) {
    conn->requests_served = 1;
    EXPECT_TRUE(past(t0, true));
}

TEST_F(DeadlineTest, BodyReadAheadHasTheTotalFromTheHeadsEnd) {
    feed("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n");
    conn->body_ahead = true;
    conn->phase_since = t0 + seconds(3);     // the head ended
    conn->last_activity = t0 + seconds(12);  // a body byte just now
    EXPECT_FALSE(past(t0 + seconds(12)));
    EXPECT_TRUE(past(t0 + seconds(13)));
}

TEST_F(DeadlineTest, BodySpooledToAFileCountsSilence) {
    feed("POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n");
    conn->body_ahead = true;
    std::string error;
    ASSERT_TRUE(conn->spool.append("x", error)) << error;
    conn->last_activity = t0 + seconds(50);  // a large upload on a slow link, still arriving
    EXPECT_FALSE(past(t0 + seconds(59)));
    EXPECT_TRUE(past(t0 + seconds(60)));
}

TEST_F(DeadlineTest, DrainHasTheTotalFromTheResponsesEnd) {
    conn->state = ConnState::draining_body;
    conn->last_activity = t0 + seconds(10);
    EXPECT_FALSE(past(t0 + seconds(9)));
    EXPECT_TRUE(past(t0 + seconds(10)));
}

TEST_F(DeadlineTest, ResponseTheClientTakesSlowlyCountsSilence) {
    conn->state = ConnState::writing_behind;
    conn->last_activity = t0 + seconds(15);
    EXPECT_FALSE(past(t0 + seconds(20)));
    EXPECT_TRUE(past(t0 + seconds(25)));
}

TEST_F(DeadlineTest, AppIsNeverCut) {
    conn->state = ConnState::in_app;
    EXPECT_FALSE(past(t0 + seconds(1000)));
}

TEST_F(DeadlineTest, LingerEndsAfterSilenceOrInAll) {
    conn->state = ConnState::closing;
    conn->write_shut = true;
    conn->closing_since = t0;
    conn->last_activity = t0 + seconds(27);
    EXPECT_FALSE(past(t0 + seconds(29)));
    EXPECT_TRUE(past(t0 + seconds(30)));
}

}  // namespace
}  // namespace appserver
