#include "worker/output_buffer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "os/unique_fd.h"
#include "tcp_loopback_pair.h"

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

// Stream bytes that say where they are, so reordering or loss shows.
char pattern_at(std::size_t offset) { return static_cast<char>('a' + (offset * 7 + offset / 65536) % 26); }

std::string pattern(std::size_t offset, std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = pattern_at(offset + i);
    return s;
}

// Checks received bytes against the pattern; counts them.
struct PatternCheck {
    std::size_t received = 0;
    bool intact = true;
    void take(const char* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) intact = intact && p[i] == pattern_at(received + i);
        received += n;
    }
};

// The client takes up to `budget` bytes, the buffer flushing into the socket as room appears.
void client_takes(SocketPair& sp, OutputBuffer& out, std::size_t budget, PatternCheck& check) {
    char buf[65536];
    for (int idle = 0; budget > 0 && idle < 3;) {
        out.flush_some(sp.server.get());
        ssize_t n = ::recv(sp.client.get(), buf, std::min(budget, sizeof buf), MSG_DONTWAIT);
        if (n <= 0) {
            ++idle;
            continue;
        }
        idle = 0;
        check.take(buf, static_cast<std::size_t>(n));
        budget -= static_cast<std::size_t>(n);
    }
}

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
    EXPECT_FALSE(out.send(sp.server.get(), &v, 1, 100, limits))
        << "nobody reads: the blocking write times out";
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

// The app writes 64 KiB, the client takes 60 KiB, over and over: what is pending grows slowly, and
// the memory held must follow what is pending, not the whole stream (it once grew to 252 MB).
TEST(OutputBuffer, AStreamSlightlyFasterThanItsReaderHoldsOnlyWhatIsPending) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    constexpr std::size_t kCap = 1 << 20, kPiece = 64 * 1024, kTaken = 60 * 1024;
    OutputLimits limits{.per_connection = kCap, .per_worker = 64 << 20, .worker_total = &total};
    OutputBuffer out;
    PatternCheck check;
    std::size_t written = 0;
    for (int round = 0; round < 180 && !::testing::Test::HasFailure(); ++round) {
        std::string piece = pattern(written, kPiece);
        iovec v{piece.data(), piece.size()};
        ASSERT_TRUE(out.send(sp.server.get(), &v, 1, 1000, limits)) << "round " << round;
        written += kPiece;
        client_takes(sp, out, kTaken, check);
        EXPECT_LE(out.allocated_bytes(), kCap) << "round " << round << ", " << written << " bytes written";
        // Held: what is pending, plus the sent part of the first chunk and the free tail of the last.
        EXPECT_LT(out.allocated_bytes(), out.pending_bytes() + 2 * OutputBuffer::kMaxChunk)
            << "round " << round;
    }
    EXPECT_GT(out.pending_bytes(), 256u * 1024) << "the test should have kept a backlog";
    client_takes(sp, out, written, check);
    EXPECT_EQ(check.received, written);
    EXPECT_TRUE(check.intact);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(out.allocated_bytes(), 0u) << "a flushed buffer holds nothing";
    EXPECT_EQ(total.load(), 0u);
}

// A client that reads steadily but slower than the app writes: the cap is reached, writes wait,
// and the allocated bytes never pass the cap at any moment.
TEST(OutputBuffer, AtTheCapWritesWaitAndTheCapHoldsAtEveryMoment) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    constexpr std::size_t kCap = 256 * 1024, kPiece = 64 * 1024, kStream = 16 << 20;
    OutputLimits limits{.per_connection = kCap, .per_worker = 64 << 20, .worker_total = &total};
    OutputBuffer out;
    PatternCheck check;
    std::thread reader([&] {
        char buf[16384];
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (int reads = 0; check.received < kStream && std::chrono::steady_clock::now() < deadline;) {
            ssize_t n = ::recv(sp.client.get(), buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) check.take(buf, static_cast<std::size_t>(n));
            if (n <= 0 || ++reads % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    std::size_t written = 0, most = 0;
    bool ok = true;
    while (ok && written < kStream) {
        std::string piece = pattern(written, kPiece);
        iovec v{piece.data(), piece.size()};
        ok = out.send(sp.server.get(), &v, 1, 5000, limits);
        written += kPiece;
        most = std::max(most, out.allocated_bytes());
        EXPECT_LE(total.load(), kCap);
    }
    ok = ok && out.flush_blocking(sp.server.get(), 5000);
    reader.join();
    EXPECT_TRUE(ok);
    EXPECT_LE(most, kCap);
    EXPECT_GT(most, kCap / 2) << "the test should have filled the buffer";
    EXPECT_EQ(check.received, kStream);
    EXPECT_TRUE(check.intact);
    EXPECT_EQ(total.load(), 0u);
}

// Writes of every size, one to three iovecs at a time, against a reader taking random amounts: the
// worker's total always equals what is allocated (what send() reserved is what keep() allocated),
// the cap always holds, and the bytes arrive intact and in order.
TEST(OutputBuffer, RandomWritesKeepTheAccountsExact) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    constexpr std::size_t kCap = 1 << 20;
    OutputLimits limits{.per_connection = kCap, .per_worker = 64 << 20, .worker_total = &total};
    OutputBuffer out;
    PatternCheck check;
    std::mt19937 random(8);
    std::size_t written = 0, most_pending = 0;
    for (int round = 0; round < 2000 && !::testing::Test::HasFailure(); ++round) {
        int count = 1 + static_cast<int>(random() % 3);
        std::string parts[3];
        iovec iov[3];
        for (int i = 0; i < count; ++i) {
            std::size_t size = random() % 4 == 0 ? random() % 100 : random() % (150 * 1024);
            parts[i] = pattern(written, size);
            written += size;
            iov[i] = iovec{parts[i].data(), parts[i].size()};
        }
        std::size_t size = 0;
        for (int i = 0; i < count; ++i) size += iov[i].iov_len;
        // Past the cap, send() would wait for a reader: this one reads first.
        if (out.allocated_bytes() + size + 2 * OutputBuffer::kMaxChunk > kCap)
            client_takes(sp, out, out.pending_bytes(), check);
        ASSERT_TRUE(out.send(sp.server.get(), iov, count, 1000, limits)) << "round " << round;
        EXPECT_EQ(total.load(), out.allocated_bytes()) << "round " << round;
        EXPECT_LE(out.allocated_bytes(), kCap) << "round " << round;
        most_pending = std::max(most_pending, out.pending_bytes());
        client_takes(sp, out, random() % (200 * 1024), check);
    }
    EXPECT_GT(most_pending, 512u * 1024) << "the test should have kept a backlog";
    client_takes(sp, out, written, check);
    EXPECT_EQ(check.received, written);
    EXPECT_TRUE(check.intact);
    EXPECT_EQ(out.allocated_bytes(), 0u);
    EXPECT_EQ(total.load(), 0u);
}

TEST(OutputBuffer, TheWorkerCapHoldsAcrossConnections) {
    SocketPair a, b;
    std::atomic<std::size_t> total{0};
    constexpr std::size_t kWorkerCap = 256 * 1024;
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = kWorkerCap, .worker_total = &total};
    {
        OutputBuffer first;
        std::string data = pattern(0, 200 * 1024);
        iovec v{data.data(), data.size()};
        ASSERT_TRUE(first.send(a.server.get(), &v, 1, 100, limits));
        EXPECT_EQ(total.load(), first.allocated_bytes());
        EXPECT_LE(total.load(), kWorkerCap);
        OutputBuffer second;
        std::string more = pattern(0, 128 * 1024);
        iovec w{more.data(), more.size()};
        EXPECT_FALSE(second.send(b.server.get(), &w, 1, 100, limits))
            << "past the worker's cap the write waits for its reader (none here: timeout)";
        EXPECT_LE(total.load(), kWorkerCap);
        EXPECT_EQ(total.load(), first.allocated_bytes());
    }
    EXPECT_EQ(total.load(), 0u) << "a connection closed with bytes pending gives them back to the worker";
}

TEST(OutputBuffer, SmallResponsesGetSmallChunks) {
    SocketPair sp;
    std::atomic<std::size_t> total{0};
    OutputLimits limits{.per_connection = 1 << 20, .per_worker = 1 << 20, .worker_total = &total};
    OutputBuffer out;
    std::string fill = pattern(0, 256 * 1024);  // fills the socket: what follows is kept
    iovec f{fill.data(), fill.size()};
    ASSERT_TRUE(out.send(sp.server.get(), &f, 1, 100, limits));
    std::size_t before = out.allocated_bytes();
    std::string small(100, 'x');
    iovec s{small.data(), small.size()};
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(out.send(sp.server.get(), &s, 1, 100, limits));
    EXPECT_LE(out.allocated_bytes() - before, OutputBuffer::kMinChunk) << "small writes share a chunk";
}

// A client that reads as fast as the server sends, over TCP loopback (the kernel grows the send
// buffer to megabytes): one flush sends at most kFlushBudget of kept bytes, as of a file segment,
// or one connection with a large in-memory response would hold the event loop for all of it.
TEST(OutputBuffer, OneFlushSendsAtMostTheBudgetOfKeptBytesToAFastClient) {
    TcpLoopbackPair pair;
    std::atomic<std::size_t> total{0};
    constexpr std::size_t kSize = 8 << 20;
    OutputLimits limits{.per_connection = kSize + (1 << 20), .per_worker = 64 << 20, .worker_total = &total};
    OutputBuffer out;
    std::string body = pattern(0, kSize);
    iovec v{body.data(), body.size()};
    ASSERT_TRUE(out.send(pair.server.get(), &v, 1, 1000, limits));  // no reader yet: most is kept
    ASSERT_GT(out.pending_bytes(), 4 * OutputBuffer::kFlushBudget);
    PatternCheck check;  // the reader's: every byte, from the first
    std::thread reader([&] {
        std::string buf(1 << 20, '\0');
        while (check.received < kSize) {
            ssize_t n = ::recv(pair.client.get(), buf.data(), buf.size(), 0);
            if (n <= 0) return;
            check.take(buf.data(), static_cast<std::size_t>(n));
        }
    });
    std::size_t largest = 0;
    bool ok = true;
    for (int i = 0; ok && i < 100000 && !out.empty(); ++i) {
        std::size_t before = out.pending_bytes();
        ok = out.flush_some(pair.server.get()) != OutputBuffer::Flush::failed;
        largest = std::max(largest, before - out.pending_bytes());
        if (before == out.pending_bytes()) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    EXPECT_TRUE(ok);
    EXPECT_TRUE(out.empty());
    EXPECT_LE(largest, OutputBuffer::kFlushBudget);
    pair.server.reset();  // the reader sees EOF
    reader.join();
    EXPECT_EQ(check.received, kSize);
}

}  // namespace
}  // namespace appserver
