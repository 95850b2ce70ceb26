// The protocol sessions as the event loop drives them: what each does with bytes, and which state
// a connection is left in after the application. Nothing here may wait for the client.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "worker/connection.h"
#include "worker/http_session.h"
#include "worker/uwsgi_session.h"

namespace appserver {
namespace {

// Answers "ok <PATH_INFO>"; reads `read_body` bytes of the body first.
class FakeRuntime final : public AppRuntime {
public:
    int calls = 0;
    std::size_t read_body = 0;
    std::string body_seen;

    bool configure(const Options&, std::string&) override { return true; }
    bool load_app(std::string&) override { return true; }
    std::string describe() const override { return "fake"; }
    std::string app_name() const override { return "fake"; }
    std::vector<std::string> source_files() const override { return {}; }
    void before_fork() override {}
    void after_fork_parent() override {}
    void after_fork_child() override {}
    void thread_start() override {}
    void shutdown() override {}
    bool handle(Request& request, ResponseWriter& response) override {
        ++calls;
        body_seen.clear();
        char buf[4096];
        while (body_seen.size() < read_body) {
            long n = request.body->read(buf, std::min(sizeof buf, read_body - body_seen.size()));
            if (n <= 0) break;
            body_seen.append(buf, static_cast<std::size_t>(n));
        }
        std::string path;
        for (const auto& [k, v] : request.vars)
            if (k == "PATH_INFO") path = std::string(v);
        std::string body = "ok " + path;
        return response.start("200 OK", {{"Content-Type", "text/plain"}}, body.size()) &&
               response.write(body) && response.finish();
    }
};

struct Fixture : ::testing::Test {
    Fixture() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        client.reset(fds[1]);
        listener.bound_name = "test";
        settings.access_log = false;
        settings.max_drain = 100;
        settings.exchange.io_timeout_ms = 10000;  // a wait for the client would show as a slow test
        conn = std::make_unique<Connection>(UniqueFd(fds[0]), PeerInfo{}, listener, limits);
    }
    // The loop handing bytes to the session; returns what it would do next.
    Session::Next input(Session& session, const std::string& data) {
        return session.on_input(*conn, data.data(), data.size());
    }
    ConnState serve(Session& session) {
        auto started = std::chrono::steady_clock::now();
        conn->state = ConnState::in_app;
        ConnState next = session.serve(*conn, false);
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2))
            << "waited for the client";
        return next;
    }
    std::string received() {
        std::string out;
        char buf[65536];
        for (ssize_t n; (n = ::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT)) > 0;)
            out.append(buf, static_cast<std::size_t>(n));
        return out;
    }

    FakeRuntime runtime;
    SessionSettings settings;
    RequestLimits limits;
    ListenSocket listener;
    UniqueFd client;
    std::unique_ptr<Connection> conn;
};

using HttpSessionTest = Fixture;

TEST_F(HttpSessionTest, UnreadBodyIsLeftToTheLoopAndTheConnectionCarriesTheNextRequest) {
    settings.post_buffering = 0;  // streamed to the app, as a body over post-buffering is
    HttpSession http(runtime, settings);
    ASSERT_EQ(input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123"),
              Session::Next::serve);
    EXPECT_EQ(serve(http), ConnState::draining_body);  // 6 bytes still to come: not waited for
    EXPECT_NE(received().find("ok /a"), std::string::npos);
    conn->state = ConnState::draining_body;
    EXPECT_EQ(input(http, "456"), Session::Next::wait);
    EXPECT_EQ(conn->state, ConnState::draining_body);
    EXPECT_EQ(input(http, "789GET /b HTTP/1.1\r\nHost: x\r\n\r\n"), Session::Next::serve);
    EXPECT_EQ(conn->state, ConnState::reading_request);
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_NE(received().find("ok /b"), std::string::npos);
    EXPECT_EQ(runtime.calls, 2);
    EXPECT_EQ(conn->requests_served, 2);
}

TEST_F(HttpSessionTest, BodyAlreadyBufferedIsDiscardedAtOnce) {
    HttpSession http(runtime, settings);
    ASSERT_EQ(
        input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcdGET /b HTTP/1.1\r\n\r\n"),
        Session::Next::serve);
    EXPECT_EQ(serve(http), ConnState::reading_request);  // both served, pipelined
    EXPECT_EQ(runtime.calls, 2);
}

TEST_F(HttpSessionTest, BodyPastMaxDrainClosesTheConnection) {
    settings.post_buffering = 0;  // streamed to the app, as a body over post-buffering is
    HttpSession http(runtime, settings);
    ASSERT_EQ(input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"),
              Session::Next::serve);
    EXPECT_EQ(serve(http), ConnState::draining_body);
    conn->state = ConnState::draining_body;
    EXPECT_EQ(input(http, std::string(99, 'x')), Session::Next::wait);
    EXPECT_EQ(conn->state, ConnState::draining_body);
    EXPECT_EQ(input(http, std::string(2, 'x')), Session::Next::wait);  // 101 > max_drain 100
    EXPECT_EQ(conn->state, ConnState::closing);
}

TEST_F(HttpSessionTest, ClientWaitingForContinueIsNotDrained) {
    settings.post_buffering = 0;  // streamed to the app, as a body over post-buffering is
    HttpSession http(runtime, settings);
    ASSERT_EQ(
        input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"),
        Session::Next::serve);
    EXPECT_EQ(serve(http), ConnState::closing);
    EXPECT_EQ(received().find("100 Continue"), std::string::npos);
}

TEST_F(HttpSessionTest, PipelinedRequestWaitsUntilTheResponseIsTaken) {
    int small = 4096;
    ::setsockopt(conn->fd.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    HttpSession http(runtime, settings);
    std::string big_path(3000, 'p');
    ASSERT_EQ(input(http, "GET /" + big_path + " HTTP/1.1\r\nHost: x\r\n\r\nGET /" + big_path +
                              " HTTP/1.1\r\n\r\n" + "GET /" + big_path + " HTTP/1.1\r\n\r\nGET /" + big_path +
                              " HTTP/1.1\r\n\r\n"),
              Session::Next::serve);
    ConnState next = serve(http);
    ASSERT_EQ(next, ConnState::writing_behind);
    EXPECT_LT(runtime.calls, 4);
    EXPECT_FALSE(conn->output.empty());
}

TEST_F(HttpSessionTest, RefusedRequestIsAnsweredWithoutWaitingAndCloses) {
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"), Session::Next::wait);
    EXPECT_EQ(conn->state, ConnState::closing);
    EXPECT_EQ(received().rfind("HTTP/1.1 400 ", 0), 0u);
    EXPECT_EQ(runtime.calls, 0);
}

TEST_F(HttpSessionTest, ChunkedBodyUnderLimitPostIsReadBeforeTheAppRuns) {
    limits.max_body = 100;
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"),
              Session::Next::wait);
    EXPECT_EQ(received(), "HTTP/1.1 100 Continue\r\n\r\n");
    EXPECT_EQ(input(http, "5\r\nhello\r\n"), Session::Next::wait);
    EXPECT_EQ(input(http, "0\r\n\r\n"), Session::Next::serve);
    runtime.read_body = 100;
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_EQ(runtime.body_seen, "hello");
}

TEST_F(HttpSessionTest, BodyUpToPostBufferingIsReadBeforeTheAppRuns) {
    settings.post_buffering = 10;
    HttpSession http(runtime, settings);
    EXPECT_EQ(
        input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"),
        Session::Next::wait);
    EXPECT_TRUE(conn->body_ahead);
    EXPECT_EQ(received(), "HTTP/1.1 100 Continue\r\n\r\n");  // the loop asks for the body itself
    EXPECT_EQ(input(http, "01234"), Session::Next::wait);
    EXPECT_EQ(input(http, "56789"), Session::Next::serve);
    runtime.read_body = 100;
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_EQ(runtime.body_seen, "0123456789");
    EXPECT_EQ(received().find("100 Continue"), std::string::npos);  // sent once, by the loop
    EXPECT_FALSE(conn->body_ahead);
}

TEST_F(HttpSessionTest, BodyReadAheadReachesTheApp) {
    settings.post_buffering = 10;
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123"),
              Session::Next::wait);
    EXPECT_EQ(input(http, "456789"), Session::Next::serve);
    runtime.read_body = 100;
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_EQ(runtime.body_seen, "0123456789");
}

TEST_F(HttpSessionTest, BodyOverPostBufferingIsStreamed) {
    settings.post_buffering = 9;
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123"),
              Session::Next::serve);
    EXPECT_FALSE(conn->body_ahead);
}

TEST_F(HttpSessionTest, ChunkedBodyIsReadAheadUntilPostBufferingThenStreamed) {
    settings.post_buffering = 8;
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
              Session::Next::wait);
    EXPECT_EQ(input(http, "5\r\nworld\r\n"), Session::Next::serve);  // 10 bytes >= 8: the app reads on
    ASSERT_EQ(::send(client.get(), "0\r\n\r\n", 5, 0), 5);
    runtime.read_body = 100;
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_EQ(runtime.body_seen, "helloworld");
}

TEST_F(HttpSessionTest, BodyPastPostBufferingGoesToAFileUnderLimitPost) {
    settings.post_buffering = 8;
    limits.max_body = 1000;
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789"),
              Session::Next::wait);
    EXPECT_TRUE(conn->spool.active());
    EXPECT_TRUE(conn->parser->body().empty());  // the memory held is post-buffering at most
    EXPECT_EQ(input(http, "abcdefghij"), Session::Next::serve);
    runtime.read_body = 100;
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_EQ(runtime.body_seen, "0123456789abcdefghij");
    EXPECT_FALSE(conn->spool.active());
}

TEST_F(HttpSessionTest, SpooledBodyTheAppDidNotReadIsDiscarded) {
    settings.post_buffering = 4;
    limits.max_body = 1000;
    HttpSession http(runtime, settings);
    EXPECT_EQ(input(http, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234567"),
              Session::Next::wait);
    EXPECT_EQ(input(http, "89GET /b HTTP/1.1\r\nHost: x\r\n\r\n"), Session::Next::serve);
    EXPECT_EQ(serve(http), ConnState::reading_request);
    EXPECT_NE(received().find("ok /b"), std::string::npos);
    EXPECT_FALSE(conn->spool.active());
}

TEST_F(HttpSessionTest, IdleConnectionHoldsNoParserNorBuffers) {
    HttpSession http(runtime, settings);
    EXPECT_TRUE(conn->idle());
    ASSERT_EQ(input(http, "GET /a HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(4000, 'p') + "\r\n\r\n"),
              Session::Next::serve);
    EXPECT_EQ(serve(http), ConnState::reading_request);
    conn->state = ConnState::reading_request;
    ASSERT_TRUE(conn->idle());
    conn->release_buffers();
    EXPECT_EQ(conn->parser, nullptr);
    EXPECT_EQ(conn->input.capacity(), std::string().capacity());
}

using UwsgiSessionTest = Fixture;

std::string uwsgi_packet(const std::vector<std::pair<std::string, std::string>>& vars) {
    std::string block;
    auto put16 = [&](std::size_t n) {
        block += static_cast<char>(n & 0xff);
        block += static_cast<char>((n >> 8) & 0xff);
    };
    for (const auto& [k, v] : vars) {
        put16(k.size());
        block += k;
        put16(v.size());
        block += v;
    }
    std::string out;
    out += '\0';
    out += static_cast<char>(block.size() & 0xff);
    out += static_cast<char>((block.size() >> 8) & 0xff);
    out += '\0';
    return out + block;
}

TEST_F(UwsgiSessionTest, ContentLengthOverLimitPostIsRefusedWithoutTheApp) {
    limits.max_body = 1000;
    UwsgiSession uwsgi(runtime, settings, limits);
    EXPECT_EQ(input(uwsgi, uwsgi_packet(
                               {{"REQUEST_METHOD", "POST"}, {"PATH_INFO", "/"}, {"CONTENT_LENGTH", "1001"}})),
              Session::Next::wait);
    EXPECT_EQ(conn->state, ConnState::closing);
    EXPECT_EQ(received().rfind("HTTP/1.0 413 ", 0), 0u);
    EXPECT_EQ(runtime.calls, 0);
}

TEST_F(UwsgiSessionTest, BodyUpToPostBufferingIsReadBeforeTheAppRuns) {
    settings.post_buffering = 10;
    UwsgiSession uwsgi(runtime, settings, limits);
    EXPECT_EQ(input(uwsgi, uwsgi_packet({{"PATH_INFO", "/a"}, {"CONTENT_LENGTH", "10"}}) + "0123"),
              Session::Next::wait);
    EXPECT_EQ(input(uwsgi, "456789"), Session::Next::serve);
    runtime.read_body = 100;
    EXPECT_EQ(serve(uwsgi), ConnState::closing);
    EXPECT_EQ(runtime.body_seen, "0123456789");
}

TEST_F(UwsgiSessionTest, UnreadBodyIsLeftToTheLoopWhileItCloses) {
    UwsgiSession uwsgi(runtime, settings, limits);
    ASSERT_EQ(input(uwsgi, uwsgi_packet({{"PATH_INFO", "/a"}, {"CONTENT_LENGTH", "100000"}})),
              Session::Next::serve);
    EXPECT_EQ(serve(uwsgi), ConnState::closing);
    EXPECT_NE(received().find("ok /a"), std::string::npos);
}

}  // namespace
}  // namespace appserver
