#include "worker/output_buffer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "os/unique_fd.h"

namespace appserver {
namespace {

struct SocketPair {
    SocketPair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        server.reset(fds[0]);
        client.reset(fds[1]);
        int small = 4096;
        ::setsockopt(server.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::setsockopt(client.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
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
    UniqueFd server, client;
};

TEST(OutputBuffer, KeepsWhatTheSocketCannotTakeAndFlushesItInOrder) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::string first(200000, 'a'), second(1000, 'b');
    iovec a{first.data(), first.size()};
    ASSERT_TRUE(out.send(sp.server.get(), &a, 1, 1000, limits));  // returns at once: no reader yet
    iovec b{second.data(), second.size()};
    ASSERT_TRUE(out.send(sp.server.get(), &b, 1, 1000, limits));
    EXPECT_FALSE(out.empty());
    EXPECT_GT(total.load(), 0u);
    std::string received;
    for (int i = 0; i < 10000 && (received.size() < first.size() + second.size()); ++i) {
        received += sp.read_all();
        out.flush_some(sp.server.get());
    }
    EXPECT_EQ(received, first + second);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(total.load(), 0u) << "every kept byte is released from the worker's total";
}

TEST(OutputBuffer, OverTheLimitItBlocksAndTimesOut) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1000, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::string big(500000, 'c');
    iovec v{big.data(), big.size()};
    EXPECT_FALSE(out.send(sp.server.get(), &v, 1, 100, limits)) << "nobody reads: the blocking write times out";
    EXPECT_EQ(total.load(), 0u);
}

TEST(OutputBuffer, PeerGoneIsAFailure) {
    SocketPair sp;
    OutputLimits limits;
    OutputBuffer out;
    sp.client.reset();
    std::string data(10, 'd');
    iovec v{data.data(), data.size()};
    EXPECT_FALSE(out.send(sp.server.get(), &v, 1, 100, limits));
}

}  // namespace
}  // namespace appserver
