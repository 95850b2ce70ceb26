#pragma once
// A connected TCP pair on 127.0.0.1 for tests that need what a socketpair lacks: a send buffer
// that the kernel grows while a fast client reads (a flush can then send megabytes in one call).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "os/unique_fd.h"

namespace appserver {

struct TcpLoopbackPair {
    TcpLoopbackPair() {
        UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(listener.get(), 1), 0);
        EXPECT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
        client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        server.reset(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        EXPECT_TRUE(server);
    }
    UniqueFd server;  // non-blocking, as a worker's
    UniqueFd client;  // blocking
};

}  // namespace appserver
