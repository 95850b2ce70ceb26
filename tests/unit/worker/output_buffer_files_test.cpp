// OutputBuffer with file segments (issue 10, offloading): files go out in order with the bytes,
// from a descriptor of the buffer's own, with non-blocking sendfile; a file that shrinks fails the
// flush; a connection keeps at most kMaxSegments.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <string>
#include <thread>

#include "os/unique_fd.h"
#include "worker/output_buffer.h"
#include "tcp_loopback_pair.h"

namespace appserver {
namespace {

using std::chrono::steady_clock;

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
    UniqueFd server, client;
};

std::string pattern(char seed, std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i % 23));
    return s;
}

// A regular file in memory with `content`.
UniqueFd file_with(const std::string& content) {
    UniqueFd fd(::memfd_create("offload-test", MFD_CLOEXEC));
    EXPECT_TRUE(fd);
    EXPECT_EQ(::write(fd.get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
    return fd;
}

std::size_t open_descriptors() {
    auto entries = std::filesystem::directory_iterator("/proc/self/fd");
    return static_cast<std::size_t>(std::distance(entries, std::filesystem::directory_iterator{}));
}

// The client reads until `want` bytes came or nothing more comes, the buffer flushing as room
// appears. Returns what it read; `last` is the last flush result.
std::string drain(SocketPair& sp, OutputBuffer& out, std::size_t want, OutputBuffer::Flush& last) {
    std::string got;
    char buf[65536];
    last = OutputBuffer::Flush::more;
    for (int idle = 0; got.size() < want && idle < 50;) {
        if (last != OutputBuffer::Flush::failed) last = out.flush_some(sp.server.get());
        ssize_t n = ::recv(sp.client.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            got.append(buf, static_cast<std::size_t>(n));
            idle = 0;
        } else {
            if (n == 0) break;  // EOF
            ++idle;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    return got;
}

// Fills the socket so that what follows is kept.
std::string fill_socket(SocketPair& sp, OutputBuffer& out, const OutputLimits& limits) {
    std::string fill = pattern('A', 256 * 1024);
    iovec v{fill.data(), fill.size()};
    EXPECT_TRUE(out.send(sp.server.get(), &v, 1, 100, limits));
    EXPECT_GT(out.pending_bytes(), 0u);
    return fill;
}

TEST(OutputBufferFiles, BytesAndSegmentsGoOutInOrder) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::size_t descriptors = open_descriptors();
    std::string expected = fill_socket(sp, out, limits);
    std::string first = pattern('a', 300 * 1024), second = pattern('k', 70 * 1024);
    std::string between = "between", after = "after";
    {
        UniqueFd f1 = file_with(first), f2 = file_with(second);
        // Bytes 1000..end of the first file, then bytes, then 50 KiB of the second, then bytes.
        ASSERT_TRUE(out.send_file(sp.server.get(), f1.get(), 1000, first.size() - 1000, 100));
        iovec b{between.data(), between.size()};
        ASSERT_TRUE(out.send(sp.server.get(), &b, 1, 100, limits));
        ASSERT_TRUE(out.send_file(sp.server.get(), f2.get(), 0, 50 * 1024, 100));
        iovec a{after.data(), after.size()};
        ASSERT_TRUE(out.send(sp.server.get(), &a, 1, 100, limits));
        EXPECT_EQ(out.segments(), 2u);
        EXPECT_EQ(out.pending_file_bytes(), first.size() - 1000 + 50 * 1024);
    }  // the application closes its files: the buffer has its own descriptors
    expected += first.substr(1000) + between + second.substr(0, 50 * 1024) + after;
    OutputBuffer::Flush last;
    std::string got = drain(sp, out, expected.size(), last);
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected) << "bytes and file segments arrive in the order they were given";
    EXPECT_EQ(last, OutputBuffer::Flush::done);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(out.segments(), 0u);
    EXPECT_EQ(total.load(), 0u);
    EXPECT_EQ(open_descriptors(), descriptors) << "a sent segment closes its descriptor";
}

TEST(OutputBufferFiles, WhatTheSocketTakesGoesAtOnceTheRestIsKeptAndSentInParts) {
    SocketPair sp;
    OutputBuffer out;
    std::string content = pattern('c', 1 << 20);
    UniqueFd file = file_with(content);
    ASSERT_TRUE(out.send_file(sp.server.get(), file.get(), 0, content.size(), 100))
        << "returns at once although nobody reads";
    EXPECT_EQ(out.segments(), 1u);
    std::uint64_t kept = out.pending_file_bytes();
    EXPECT_GT(kept, 0u);
    EXPECT_LT(kept, content.size()) << "the socket took a first part at once";
    EXPECT_EQ(out.flush_some(sp.server.get()), OutputBuffer::Flush::more) << "the socket is full";
    // Reads of a few KiB: many partial sendfiles.
    std::string got;
    char buf[3000];
    int partial_flushes = 0;
    for (int i = 0; i < 100000 && got.size() < content.size(); ++i) {
        ssize_t n = ::recv(sp.client.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) got.append(buf, static_cast<std::size_t>(n));
        std::uint64_t before = out.pending_file_bytes();
        if (out.flush_some(sp.server.get()) == OutputBuffer::Flush::more && out.pending_file_bytes() < before)
            ++partial_flushes;
    }
    EXPECT_TRUE(got == content);
    EXPECT_GT(partial_flushes, 10);
    EXPECT_TRUE(out.empty());
}

TEST(OutputBufferFiles, AFileThatShrinksWhileKeptFailsTheFlush) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::size_t descriptors = open_descriptors();
    std::string head = fill_socket(sp, out, limits);
    std::string content = pattern('s', 1 << 20);
    UniqueFd file = file_with(content);
    ASSERT_TRUE(out.send_file(sp.server.get(), file.get(), 0, content.size(), 100));
    ASSERT_EQ(::ftruncate(file.get(), 100 * 1024), 0);
    OutputBuffer::Flush last;
    std::string got = drain(sp, out, head.size() + content.size(), last);
    EXPECT_EQ(last, OutputBuffer::Flush::failed) << "never `more` for bytes that will not come";
    EXPECT_EQ(got.size(), head.size() + 100 * 1024) << "what the file still had went out";
    EXPECT_TRUE(out.empty()) << "a failed buffer holds nothing";
    EXPECT_EQ(total.load(), 0u);
    file.reset();
    EXPECT_EQ(open_descriptors(), descriptors);
}

TEST(OutputBufferFiles, AFileShorterThanPromisedAtOnceIsAFailure) {
    SocketPair sp;
    OutputBuffer out;
    UniqueFd file = file_with(pattern('x', 1000));
    EXPECT_FALSE(out.send_file(sp.server.get(), file.get(), 5000, 100, 100)) << "no byte at the offset";
    EXPECT_TRUE(out.empty());
}

TEST(OutputBufferFiles, AFileThatGrowsSendsOnlyTheLengthPromised) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::string head = fill_socket(sp, out, limits);
    std::string content = pattern('g', 100 * 1024);
    UniqueFd file = file_with(content);
    ASSERT_TRUE(out.send_file(sp.server.get(), file.get(), 0, content.size(), 100));
    std::string more = pattern('z', 50 * 1024);
    ASSERT_EQ(::write(file.get(), more.data(), more.size()), static_cast<ssize_t>(more.size()));
    std::string tail = "next";
    iovec t{tail.data(), tail.size()};
    ASSERT_TRUE(out.send(sp.server.get(), &t, 1, 100, limits));
    OutputBuffer::Flush last;
    std::string got = drain(sp, out, head.size() + content.size() + tail.size() + more.size(), last);
    EXPECT_EQ(last, OutputBuffer::Flush::done);
    EXPECT_TRUE(got == head + content + tail);
}

TEST(OutputBufferFiles, PastTheSegmentCapAWriteWaitsForTheClient) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::size_t descriptors = open_descriptors();
    std::string expected = fill_socket(sp, out, limits);
    std::string content = pattern('q', 10 * 1024);
    UniqueFd file = file_with(content);
    auto started = steady_clock::now();
    for (std::size_t i = 0; i < OutputBuffer::kMaxSegments; ++i) {
        ASSERT_TRUE(out.send_file(sp.server.get(), file.get(), 0, content.size(), 5000)) << i;
        expected += content;
    }
    EXPECT_LT(steady_clock::now() - started, std::chrono::seconds(2)) << "up to the cap nothing waits";
    EXPECT_EQ(out.segments(), OutputBuffer::kMaxSegments);
    EXPECT_EQ(open_descriptors(), descriptors + 1 + OutputBuffer::kMaxSegments);
    // Nobody reads: one more segment waits for the client, and times out.
    started = steady_clock::now();
    EXPECT_FALSE(out.send_file(sp.server.get(), file.get(), 0, content.size(), 200));
    EXPECT_GE(steady_clock::now() - started, std::chrono::milliseconds(150));
    EXPECT_TRUE(out.empty()) << "a timed-out buffer gives everything back";
    file.reset();
    EXPECT_EQ(open_descriptors(), descriptors);
}

TEST(OutputBufferFiles, PastTheSegmentCapAWriteGoesOnOnceTheClientReads) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::string expected = fill_socket(sp, out, limits);
    std::string content = pattern('r', 10 * 1024);
    UniqueFd file = file_with(content);
    for (std::size_t i = 0; i <= OutputBuffer::kMaxSegments; ++i) expected += content;
    std::string got;
    std::thread reader([&] {
        char buf[8192];
        auto deadline = steady_clock::now() + std::chrono::seconds(20);
        while (got.size() < expected.size() && steady_clock::now() < deadline) {
            ssize_t n = ::recv(sp.client.get(), buf, sizeof buf, 0);
            if (n > 0) got.append(buf, static_cast<std::size_t>(n));
            if (n == 0) break;
            if (n < 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    bool ok = true;
    for (std::size_t i = 0; ok && i <= OutputBuffer::kMaxSegments; ++i) {
        ok = out.send_file(sp.server.get(), file.get(), 0, content.size(), 5000);
        EXPECT_LE(out.segments(), OutputBuffer::kMaxSegments);
    }
    ok = ok && out.flush_blocking(sp.server.get(), 5000);
    reader.join();
    EXPECT_TRUE(ok);
    EXPECT_TRUE(got == expected);
}

TEST(OutputBufferFiles, ThePeerGoneWithASegmentKeptFailsAndReleasesIt) {
    SocketPair sp;
    OutputLimits limits;
    OutputBuffer out;
    std::size_t descriptors = open_descriptors();
    fill_socket(sp, out, limits);
    {
        UniqueFd file = file_with(pattern('p', 100 * 1024));
        ASSERT_TRUE(out.send_file(sp.server.get(), file.get(), 0, 100 * 1024, 100));
    }
    sp.client.reset();
    EXPECT_EQ(out.flush_some(sp.server.get()), OutputBuffer::Flush::failed);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(open_descriptors(), descriptors - 1) << "the segment's descriptor is closed (and the client's)";
}

// A client that reads as fast as the server sends, over TCP loopback: one flush (and the first
// attempt in send_file) sends at most kFlushBudget, or one connection would hold the event loop
// for the whole file (a single sendfile call once sent 100 MiB in 286 ms).
TEST(OutputBufferFiles, OneFlushSendsAtMostTheBudgetToAFastClient) {
    TcpLoopbackPair pair;
    const UniqueFd& client = pair.client;
    UniqueFd& server = pair.server;

    constexpr std::uint64_t kSize = 256 << 20;
    UniqueFd file(::memfd_create("offload-budget", MFD_CLOEXEC));
    ASSERT_EQ(::ftruncate(file.get(), static_cast<off_t>(kSize)), 0);  // sparse: costs no memory
    std::atomic<std::uint64_t> received{0};
    std::thread reader([&] {
        std::string buf(1 << 20, '\0');
        while (received < kSize) {
            ssize_t n = ::recv(client.get(), buf.data(), buf.size(), 0);
            if (n <= 0) return;
            received += static_cast<std::uint64_t>(n);
        }
    });
    OutputBuffer out;
    bool ok = out.send_file(server.get(), file.get(), 0, kSize, 5000);
    EXPECT_TRUE(ok);
    EXPECT_LE(kSize - out.pending_file_bytes(), OutputBuffer::kFlushBudget) << "the first attempt";
    for (int i = 0; ok && i < 200 && !out.empty(); ++i) {
        std::uint64_t before = out.pending_file_bytes();
        ok = out.flush_some(server.get()) != OutputBuffer::Flush::failed;
        EXPECT_LE(before - out.pending_file_bytes(), OutputBuffer::kFlushBudget) << "flush " << i;
    }
    EXPECT_TRUE(ok);
    server.reset();  // the reader sees EOF
    reader.join();
}

}  // namespace
}  // namespace appserver
