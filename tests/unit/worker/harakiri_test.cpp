#include "worker/harakiri.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "proto/server_error.h"
#include "worker/exchange.h"

namespace appserver {
namespace {

constexpr char k504Prefix[] = "HTTP/1.1 504 Gateway Timeout\r\n";

// A connection over a socketpair: the worker's end in `conn`, the client's end to read from.
struct Wire {
    Wire() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        client.reset(fds[1]);
        conn = std::make_unique<Connection>(UniqueFd(fds[0]), PeerInfo{}, listener, RequestLimits{});
    }
    std::string read_all() {
        std::string out;
        char buf[65536];
        for (;;) {
            ssize_t n = ::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) return out;
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    ListenSocket listener;
    UniqueFd client;
    std::unique_ptr<Connection> conn;
    ExchangeSettings settings;
};

bool respond(HttpResponseWriter& w) {
    return w.start("200 OK", {{"Content-Type", "text/plain"}}, 5) && w.write("hello") && w.finish();
}

TEST(HarakiriResponse, A504SentFirstLeavesTheApplicationNothingToWrite) {
    Wire wire;
    HttpResponseWriter writer(*wire.conn, wire.settings, RequestFacts{});
    ASSERT_TRUE(send_timeout_response(writer.gate(), wire.conn->fd.get()));
    EXPECT_FALSE(respond(writer));
    std::string sent = wire.read_all();
    EXPECT_TRUE(sent.starts_with(k504Prefix)) << sent;
    EXPECT_EQ(sent.find("hello"), std::string::npos) << sent;
}

// start() has not sent a byte yet (the head goes out with the body): the watchdog must still lose.
TEST(HarakiriResponse, NoTimeoutResponseOnceTheApplicationStarted) {
    Wire wire;
    HttpResponseWriter writer(*wire.conn, wire.settings, RequestFacts{});
    ASSERT_TRUE(writer.start("200 OK", {{"Content-Type", "text/plain"}}, 5));
    EXPECT_FALSE(send_timeout_response(writer.gate(), wire.conn->fd.get()));
    EXPECT_TRUE(writer.write("hello") && writer.finish());
    std::string sent = wire.read_all();
    EXPECT_TRUE(sent.starts_with("HTTP/1.1 200 OK\r\n")) << sent;
    EXPECT_EQ(sent.find("504"), std::string::npos) << sent;
}

// Both at once, many times: the client always gets exactly one whole response.
TEST(HarakiriResponse, RacingWatchdogAndApplicationNeverInterleave) {
    int timeouts = 0, apps = 0;
    for (int round = 0; round < 300; ++round) {
        Wire wire;
        HttpResponseWriter writer(*wire.conn, wire.settings, RequestFacts{.keep_alive = false});
        std::atomic<bool> go{false};
        std::thread app([&] {
            while (!go.load()) {
            }
            respond(writer);
        });
        go = true;
        // Vary who comes first: from "at once" to well after the application thread began.
        std::atomic<int> spin{0};
        while (spin.fetch_add(1, std::memory_order_relaxed) < (round % 30) * 10000) {
        }
        bool sent_504 = send_timeout_response(writer.gate(), wire.conn->fd.get());
        app.join();
        std::string sent = wire.read_all();
        if (sent_504) {
            ++timeouts;
            ASSERT_TRUE(sent.starts_with(k504Prefix)) << sent;
            ASSERT_EQ(sent.find("HTTP/1.1", 1), std::string::npos) << sent;
        } else {
            ++apps;
            ASSERT_TRUE(sent.starts_with("HTTP/1.1 200 OK\r\n")) << sent;
            ASSERT_TRUE(sent.ends_with("hello")) << sent;
            ASSERT_EQ(sent.find("504"), std::string::npos) << sent;
        }
    }
    EXPECT_EQ(timeouts + apps, 300);
}

TEST(HarakiriResponse, NoTimeoutResponseBehindAnEarlierResponseStillPending) {
    Wire wire;
    int small = 4096;
    ::setsockopt(wire.conn->fd.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(wire.client.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    std::string earlier(1 << 20, 'x');
    iovec iov{earlier.data(), earlier.size()};
    ASSERT_TRUE(wire.conn->output.send(wire.conn->fd.get(), &iov, 1, 1000, wire.settings.output));
    ASSERT_FALSE(wire.conn->output.empty());
    HttpResponseWriter writer(*wire.conn, wire.settings, RequestFacts{});
    EXPECT_FALSE(send_timeout_response(writer.gate(), wire.conn->fd.get()));
}

std::string without_date(std::string bytes) {
    auto at = bytes.find("Date: ");
    if (at != std::string::npos) bytes.erase(at, bytes.find("\r\n", at) + 2 - at);
    return bytes;
}

// The watchdog writes bytes, the request thread a writer: the client cannot tell them apart.
TEST(HarakiriResponse, The504IsTheSameResponseTheWriterSendsForItsOwnErrors) {
    Wire from_watchdog, from_writer;
    HttpResponseWriter idle(*from_watchdog.conn, from_watchdog.settings, RequestFacts{});
    ASSERT_TRUE(send_timeout_response(idle.gate(), from_watchdog.conn->fd.get()));
    HttpResponseWriter writer(*from_writer.conn, from_writer.settings, RequestFacts{});
    ASSERT_TRUE(writer.send_simple(504, true));
    std::string sent = from_watchdog.read_all();
    EXPECT_EQ(without_date(sent), without_date(from_writer.read_all()));
    EXPECT_EQ(without_date(sent), without_date(server_error_bytes(504)));
}

TEST(HarakiriResponse, ServerErrorKeepsTheConnectionUnlessAskedToClose) {
    Wire keep, close;
    HttpResponseWriter kept(*keep.conn, keep.settings, RequestFacts{});
    ASSERT_TRUE(kept.send_simple(400, false));
    EXPECT_TRUE(kept.keep_alive());
    std::string sent = keep.read_all();
    EXPECT_TRUE(sent.starts_with("HTTP/1.1 400 Bad Request\r\n")) << sent;
    EXPECT_EQ(sent.find("Connection:"), std::string::npos) << sent;
    EXPECT_TRUE(sent.ends_with("\r\n\r\n400 Bad Request\n")) << sent;

    HttpResponseWriter closed(*close.conn, close.settings, RequestFacts{});
    ASSERT_TRUE(closed.send_simple(400, true));
    EXPECT_FALSE(closed.keep_alive());
    EXPECT_NE(close.read_all().find("\r\nConnection: close\r\n"), std::string::npos);
}

TEST(HarakiriScoreboard, EachRequestStartIsOnTheMastersBoardUntilItEnds) {
    std::string error;
    auto board = Scoreboard::create(3, 2, error);
    ASSERT_TRUE(board) << error;
    Harakiri harakiri(100, 2, 2);
    EXPECT_EQ(board->worker(2)->pid.load(), ::getpid());
    {
        Harakiri::Guard first(&harakiri, -1, "GET", "/a", nullptr);
        Harakiri::Guard second(&harakiri, -1, "GET", "/b", nullptr);
        EXPECT_NE(board->requests(2)[0].started_ms.load(), 0);
        EXPECT_NE(board->requests(2)[1].started_ms.load(), 0);
        EXPECT_EQ(board->requests(1)[0].started_ms.load(), 0);
    }
    EXPECT_EQ(board->requests(2)[0].started_ms.load(), 0);
    EXPECT_EQ(board->requests(2)[1].started_ms.load(), 0);
}

}  // namespace
}  // namespace appserver
