// The one shape of the server's own error responses (src/proto/server_error.*).
#include "proto/server_error.h"

#include <gtest/gtest.h>

#include <string>

namespace appserver {
namespace {

// Records what send_server_error asks of a writer.
struct RecordingWriter final : ResponseWriter {
    bool start(std::string_view s, const HeaderList& h, std::optional<std::uint64_t> length) override {
        status = std::string(s);
        headers = h;
        body_length = length;
        started_ = true;
        return true;
    }
    bool write(std::string_view data) override {
        body += data;
        return true;
    }
    bool send_file(int, std::uint64_t, std::optional<std::uint64_t>) override { return false; }
    bool finish() override {
        ++finishes;
        return true;
    }
    bool started() const override { return started_; }

    std::string status;
    HeaderList headers;
    std::optional<std::uint64_t> body_length;
    std::string body;
    int finishes = 0;
    bool started_ = false;
};

std::string without_date(std::string bytes) {
    auto at = bytes.find("Date: ");
    if (at != std::string::npos) bytes.erase(at, bytes.find("\r\n", at) + 2 - at);
    return bytes;
}

TEST(ServerError, StatusAndBodyAreCodeAndReason) {
    ServerError e = server_error(413);
    EXPECT_EQ(e.status, "413 Content Too Large");
    EXPECT_EQ(e.body, "413 Content Too Large\n");
    ASSERT_EQ(e.headers.size(), 1u);
    EXPECT_EQ(e.headers[0].first, "Content-Type");
    EXPECT_EQ(e.headers[0].second, "text/plain; charset=utf-8");
}

TEST(ServerError, UnknownStatusStillHasAReason) { EXPECT_EQ(server_error(599).status, "599 Error"); }

TEST(ServerError, WriterGetsStatusHeadersKnownLengthBodyAndFinish) {
    RecordingWriter w;
    ASSERT_TRUE(send_server_error(w, 500));
    EXPECT_EQ(w.status, "500 Internal Server Error");
    EXPECT_EQ(w.headers, server_error(500).headers);
    EXPECT_EQ(w.body, "500 Internal Server Error\n");
    EXPECT_EQ(w.body_length, w.body.size());  // so the core sends Content-Length
    EXPECT_EQ(w.finishes, 1);
}

TEST(ServerError, BytesAreAWholeHttp11ResponseThatClosesTheConnection) {
    std::string bytes = server_error_bytes(504);
    EXPECT_TRUE(bytes.starts_with("HTTP/1.1 504 Gateway Timeout\r\n")) << bytes;
    EXPECT_NE(bytes.find("\r\nDate: "), std::string::npos) << bytes;
    EXPECT_EQ(without_date(bytes),
              "HTTP/1.1 504 Gateway Timeout\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Length: 20\r\n"
              "Connection: close\r\n"
              "\r\n"
              "504 Gateway Timeout\n");
}

}  // namespace
}  // namespace appserver
