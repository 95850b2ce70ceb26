// HttpResponseWriter::send_file (issue 10, offloading): the file is queued for the event loop and
// the call returns at once, whoever reads; framed for Content-Length and for chunked bodies.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "worker/connection.h"
#include "worker/exchange.h"

namespace appserver {
namespace {

using std::chrono::steady_clock;

std::string pattern(std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

struct ExchangeFileTest : ::testing::Test {
    ExchangeFileTest() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        client.reset(fds[1]);
        int small = 4096;
        ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        listener.bound_name = "test";
        settings.io_timeout_ms = 10000;  // a wait for the client would show as a slow test
        conn = std::make_unique<Connection>(UniqueFd(fds[0]), PeerInfo{}, listener, limits);
        file.reset(::memfd_create("exchange-file-test", MFD_CLOEXEC));
        EXPECT_EQ(::write(file.get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
    }
    // The event loop flushing while the client reads everything it sends.
    std::string loop_and_client() {
        std::string out;
        char buf[65536];
        for (int idle = 0; idle < 50;) {
            auto flushed = conn->output.flush_some(conn->fd.get());
            EXPECT_NE(flushed, OutputBuffer::Flush::failed);
            ssize_t n = ::recv(client.get(), buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
                idle = 0;
            } else if (flushed == OutputBuffer::Flush::done) {
                ++idle;
            }
        }
        return out;
    }
    std::string body_of(const std::string& response) {
        auto end = response.find("\r\n\r\n");
        EXPECT_NE(end, std::string::npos);
        return response.substr(end + 4);
    }

    ExchangeSettings settings;
    RequestLimits limits;
    ListenSocket listener;
    UniqueFd client;
    std::unique_ptr<Connection> conn;
    std::string content = pattern(1 << 20);
    UniqueFd file;
};

TEST_F(ExchangeFileTest, SendFileReturnsAtOnceAndTheLoopSendsTheFile) {
    RequestFacts facts;
    HttpResponseWriter response(*conn, settings, facts);
    auto started = steady_clock::now();
    ASSERT_TRUE(
        response.start("200 OK", {{"Content-Type", "application/octet-stream"}}, content.size() - 100));
    ASSERT_TRUE(response.send_file(file.get(), 100, std::nullopt)) << "nobody reads yet";
    ASSERT_TRUE(response.finish());
    EXPECT_LT(steady_clock::now() - started, std::chrono::seconds(1)) << "send_file waited for the client";
    file.reset();  // the application closes its file at once
    EXPECT_EQ(conn->output.segments(), 1u);
    EXPECT_TRUE(response.keep_alive());
    std::string got = loop_and_client();
    EXPECT_NE(got.find("Content-Length: 1048476\r\n"), std::string::npos);
    EXPECT_EQ(body_of(got), content.substr(100));
}

TEST_F(ExchangeFileTest, ContentLengthFramingSendsExactlyTheDeclaredBytes) {
    RequestFacts facts;
    HttpResponseWriter response(*conn, settings, facts);
    ASSERT_TRUE(response.start("200 OK", {{"Content-Length", "5000"}}, std::nullopt));
    ASSERT_TRUE(response.send_file(file.get(), 0, content.size()));
    ASSERT_TRUE(response.finish());
    EXPECT_EQ(response.body_bytes(), 5000u);
    EXPECT_EQ(body_of(loop_and_client()), content.substr(0, 5000));
}

TEST_F(ExchangeFileTest, ChunkedFramingWrapsTheSegmentInAChunk) {
    RequestFacts facts;
    HttpResponseWriter response(*conn, settings, facts);
    ASSERT_TRUE(response.start("200 OK", {{"Content-Type", "text/plain"}}, std::nullopt));
    ASSERT_TRUE(response.write("head-"));
    auto started = steady_clock::now();
    ASSERT_TRUE(response.send_file(file.get(), 0, content.size()));
    ASSERT_TRUE(response.write("-tail"));
    ASSERT_TRUE(response.finish());
    EXPECT_LT(steady_clock::now() - started, std::chrono::seconds(1)) << "send_file waited for the client";
    std::string got = loop_and_client();
    EXPECT_NE(got.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
    EXPECT_TRUE(body_of(got) == "5\r\nhead-\r\n100000\r\n" + content + "\r\n5\r\n-tail\r\n0\r\n\r\n");
}

TEST_F(ExchangeFileTest, HeadSendsNoBodyAndKeepsNoDescriptor) {
    RequestFacts facts;
    facts.head_method = true;
    HttpResponseWriter response(*conn, settings, facts);
    ASSERT_TRUE(response.start("200 OK", {}, content.size()));
    ASSERT_TRUE(response.send_file(file.get(), 0, std::nullopt));
    ASSERT_TRUE(response.finish());
    EXPECT_EQ(conn->output.segments(), 0u);
    std::string got = loop_and_client();
    EXPECT_NE(got.find("Content-Length: 1048576\r\n"), std::string::npos);
    EXPECT_EQ(body_of(got), "");
}

}  // namespace
}  // namespace appserver
