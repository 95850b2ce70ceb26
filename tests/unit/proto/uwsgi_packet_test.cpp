#include "proto/uwsgi_packet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace appserver {
namespace {

using Status = UwsgiParseStatus;
using Vars = std::vector<std::pair<std::string, std::string>>;

std::string le16(std::size_t n) { return {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff)}; }

std::string vars_block(const Vars& vars) {
    std::string block;
    for (const auto& [k, v] : vars) block += le16(k.size()) + k + le16(v.size()) + v;
    return block;
}

// A packet as nginx builds it: header, vars, body.
std::string packet(const Vars& vars, std::string_view body = "", char modifier1 = 0, char modifier2 = 0) {
    std::string block = vars_block(vars);
    return std::string(1, modifier1) + le16(block.size()) + std::string(1, modifier2) + block +
           std::string(body);
}

// The input copied to the very end of its own heap allocation, so that reading one byte past it is
// caught by AddressSanitizer (the build's -DAPPSERVER_SANITIZE=ON), as picohttpparser's guard page does.
class AtEnd {
public:
    explicit AtEnd(std::string_view in) : data_(new char[in.size() ? in.size() : 1]), size_(in.size()) {
        if (size_) std::memcpy(data_.get(), in.data(), size_);
    }
    std::string_view view() const { return {data_.get(), size_}; }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_;
};

struct Parsed {
    Status status;
    UwsgiPacket packet;
    std::string error;
};

Parsed parse(std::string_view in, std::size_t max = 8192) {
    Parsed p;
    p.status = parse_uwsgi_packet(in, max, p.packet, p.error);
    return p;
}

const Vars kNginxVars = {
    {"QUERY_STRING", "a=1&b=%20"},  {"REQUEST_METHOD", "POST"},      {"CONTENT_TYPE", "text/plain"},
    {"CONTENT_LENGTH", "5"},        {"REQUEST_URI", "/x%2Fy?a=1"},   {"PATH_INFO", "/x/y"},
    {"DOCUMENT_ROOT", "/srv"},      {"SERVER_PROTOCOL", "HTTP/1.1"}, {"REQUEST_SCHEME", "http"},
    {"REMOTE_ADDR", "127.0.0.1"},   {"REMOTE_PORT", "50000"},        {"SERVER_PORT", "80"},
    {"SERVER_NAME", "example.com"}, {"HTTP_HOST", "example.com"},    {"HTTP_X_EMPTY", ""},
};

TEST(UwsgiPacket, ParsesNginxPacketAndLeavesBodyToCaller) {
    std::string in = packet(kNginxVars, "hello", 0, 7);
    AtEnd buf(in);
    Parsed p = parse(buf.view());
    ASSERT_EQ(p.status, Status::complete) << p.error;
    EXPECT_EQ(p.packet.head_size, in.size() - 5);
    EXPECT_EQ(p.packet.modifier2, 7);
    EXPECT_EQ(p.packet.content_length, 5u);
    ASSERT_EQ(p.packet.vars.size(), kNginxVars.size());
    for (std::size_t i = 0; i < kNginxVars.size(); ++i) {
        EXPECT_EQ(p.packet.vars[i].first, kNginxVars[i].first);
        EXPECT_EQ(p.packet.vars[i].second, kNginxVars[i].second);
    }
    // Views point into the caller's buffer, not into a copy.
    EXPECT_GE(p.packet.vars[0].first.data(), buf.view().data());
    EXPECT_LT(p.packet.vars[0].first.data(), buf.view().data() + buf.view().size());
}

TEST(UwsgiPacket, EmptyVarsBlockAndNoContentLength) {
    Parsed p = parse(AtEnd(packet({})).view());
    ASSERT_EQ(p.status, Status::complete);
    EXPECT_EQ(p.packet.head_size, kUwsgiHeaderSize);
    EXPECT_TRUE(p.packet.vars.empty());
    EXPECT_EQ(p.packet.content_length, 0u);
}

TEST(UwsgiPacket, EmptyContentLengthMeansNoBody) {
    Parsed p = parse(packet({{"CONTENT_LENGTH", ""}, {"REQUEST_METHOD", "GET"}}));
    ASSERT_EQ(p.status, Status::complete);
    EXPECT_EQ(p.packet.content_length, 0u);
}

TEST(UwsgiPacket, LargestVarsBlockThatFitsIsAccepted) {
    std::string big(65535 - 2 - 6 - 2, 'v');  // the 16-bit size field's maximum, exactly
    std::string in = packet({{"HTTP_X", big}});
    ASSERT_EQ(in.size(), 4u + 65535u);
    Parsed p = parse(AtEnd(in).view(), 65535);
    ASSERT_EQ(p.status, Status::complete) << p.error;
    EXPECT_EQ(p.packet.vars[0].second.size(), big.size());
}

TEST(UwsgiPacket, ByteAtATimeIsIncompleteUntilTheLastVarsByte) {
    std::string in = packet(kNginxVars, "hello");
    std::size_t head = in.size() - 5;
    for (std::size_t n = 0; n <= in.size(); ++n) {
        AtEnd buf(std::string_view(in).substr(0, n));
        Parsed p = parse(buf.view());
        if (n < head) {
            ASSERT_EQ(p.status, Status::incomplete) << "at " << n;
        } else {
            ASSERT_EQ(p.status, Status::complete) << "at " << n << ": " << p.error;
            EXPECT_EQ(p.packet.head_size, head);
            EXPECT_EQ(p.packet.vars.size(), kNginxVars.size());
        }
    }
}

TEST(UwsgiPacket, VarsBlockLargerThanBufferSizeIsRefusedFromTheHeaderAlone) {
    std::string in = packet(kNginxVars);
    std::size_t declared = in.size() - 4;
    Parsed p = parse(AtEnd(std::string_view(in).substr(0, 4)).view(), declared - 1);
    ASSERT_EQ(p.status, Status::error);
    EXPECT_NE(p.error.find("buffer-size"), std::string::npos) << p.error;
    EXPECT_EQ(parse(in, declared).status, Status::complete);
}

TEST(UwsgiPacket, NonZeroModifier1IsRefused) {
    Parsed p = parse(packet(kNginxVars, "", 5));
    ASSERT_EQ(p.status, Status::error);
    EXPECT_NE(p.error.find("modifier1 5"), std::string::npos) << p.error;
}

TEST(UwsgiPacket, HttpSpokenToAUwsgiSocketIsNamed) {
    for (std::string in : {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "POST /form HTTP/1.0\r\n",
                           "OPTIONS * HTTP/1.1\r\n", "PROPFIND /dav HTTP/1.1\r\n", "GET "}) {
        Parsed p = parse(AtEnd(in).view());
        ASSERT_EQ(p.status, Status::error) << in;
        EXPECT_NE(p.error.find("HTTP request"), std::string::npos) << p.error;
        EXPECT_NE(p.error.find("http-socket"), std::string::npos) << p.error;
        EXPECT_EQ(p.error.find('\r'), std::string::npos) << p.error;
    }
    // Too short to tell yet: a header is 4 bytes.
    EXPECT_EQ(parse(AtEnd("GE").view()).status, Status::incomplete);
    Parsed tls = parse(std::string("\x16\x03\x01\x02\x00", 5));
    ASSERT_EQ(tls.status, Status::error);
    EXPECT_NE(tls.error.find("modifier1 22"), std::string::npos) << tls.error;
}

// Vars blocks whose lengths contradict the declared block size, every one of them an error.
struct Hostile {
    const char* name;
    std::string block;
};

std::vector<Hostile> hostile_blocks() {
    return {
        {"key length past the block", le16(200) + "KEY"},
        {"value length past the block", le16(3) + "KEY" + le16(50) + "val"},
        {"value length field cut in half", le16(3) + "KEY" + std::string(1, '\x01')},
        {"key length field cut in half", vars_block({{"A", "b"}}) + std::string(1, '\x02')},
        {"key without a value length", le16(3) + "KEY"},
        {"length 0xffff", le16(0xffff) + "x"},
        {"empty key", le16(0) + le16(1) + "v"},
        {"non-digit CONTENT_LENGTH", vars_block({{"CONTENT_LENGTH", "12a"}})},
        {"negative CONTENT_LENGTH", vars_block({{"CONTENT_LENGTH", "-1"}})},
        {"huge CONTENT_LENGTH", vars_block({{"CONTENT_LENGTH", "99999999999999999999999"}})},
        {"two different CONTENT_LENGTHs", vars_block({{"CONTENT_LENGTH", "1"}, {"CONTENT_LENGTH", "2"}})},
    };
}

TEST(UwsgiPacket, HostileVarsBlocksAreErrorsNeverOverreads) {
    for (const auto& h : hostile_blocks()) {
        std::string in = std::string(1, '\0') + le16(h.block.size()) + std::string(1, '\0') + h.block;
        Parsed p = parse(AtEnd(in).view());
        EXPECT_EQ(p.status, Status::error) << h.name;
        EXPECT_FALSE(p.error.empty()) << h.name;
        // Every prefix is either still incomplete or the same error: never complete, never a crash.
        for (std::size_t n = 0; n < in.size(); ++n) {
            Parsed part = parse(AtEnd(std::string_view(in).substr(0, n)).view());
            EXPECT_NE(part.status, Status::complete) << h.name << " at " << n;
        }
    }
}

TEST(UwsgiPacket, VarsSizeSmallerThanTheVarsSentCutsThemShort) {
    // The header claims fewer bytes than the vars take: the block ends in the middle of a var.
    std::string block = vars_block({{"REQUEST_METHOD", "GET"}, {"PATH_INFO", "/"}});
    for (std::size_t claimed = 1; claimed < block.size(); ++claimed) {
        std::string in = std::string(1, '\0') + le16(claimed) + std::string(1, '\0') + block;
        Parsed p = parse(AtEnd(std::string_view(in).substr(0, 4 + claimed)).view());
        bool boundary = claimed == vars_block({{"REQUEST_METHOD", "GET"}}).size();
        EXPECT_EQ(p.status, boundary ? Status::complete : Status::error) << "claimed " << claimed;
    }
}

TEST(UwsgiPacket, TruncatedAtEveryLengthIsIncompleteNeverAnError) {
    std::string in = packet(kNginxVars);
    for (std::size_t n = 0; n < in.size(); ++n) {
        Parsed p = parse(AtEnd(std::string_view(in).substr(0, n)).view());
        EXPECT_EQ(p.status, Status::incomplete) << "at " << n << ": " << p.error;
    }
}

TEST(UwsgiPacket, ReusedPacketIsResetBetweenParses) {
    UwsgiPacket packet_out;
    std::string error;
    ASSERT_EQ(parse_uwsgi_packet(packet(kNginxVars), 8192, packet_out, error), Status::complete);
    ASSERT_EQ(parse_uwsgi_packet(packet({{"REQUEST_METHOD", "GET"}}), 8192, packet_out, error),
              Status::complete);
    EXPECT_EQ(packet_out.vars.size(), 1u);
    EXPECT_EQ(packet_out.content_length, 0u);
}

}  // namespace
}  // namespace appserver
