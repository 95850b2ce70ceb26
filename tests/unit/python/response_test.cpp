// Sending the application's result: shapes, length hints, file wrapper, errors, close().

#include <filesystem>
#include <fstream>

#include "python_harness.h"

namespace appserver::python::testing {
namespace {

TEST(PythonResponse, SeedAppBytesResultGoesOutWhole) {
    Reply reply = request("/hello");
    EXPECT_TRUE(reply.handled);
    EXPECT_EQ(reply.writer.status, "200 OK");
    ASSERT_EQ(reply.writer.headers.size(), 1u);
    EXPECT_EQ(reply.writer.headers[0], (std::pair<std::string, std::string>("Content-Type", "text/html")));
    EXPECT_EQ(reply.writer.body_length, 11u);
    EXPECT_EQ(reply.writer.body, "Hello World");
    EXPECT_EQ(reply.writer.writes, 1);
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonResponse, ListResultHasKnownLength) {
    Reply reply = request("/listing");
    EXPECT_EQ(reply.writer.body_length, 6u);
    EXPECT_EQ(reply.writer.body, "abcdef");
    EXPECT_EQ(reply.writer.writes, 1) << "a small body known whole goes out in one write";
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonResponse, LargeListResultIsWrittenItemByItem) {
    Reply reply = request("/big-listing");
    EXPECT_EQ(reply.writer.body_length, 6000u);
    EXPECT_EQ(reply.writer.body, std::string(3000, 'x') + std::string(3000, 'y'));
    EXPECT_EQ(reply.writer.writes, 2) << "past the hold limit each item is written; empty ones are skipped";
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonResponse, GeneratorStreamsWithoutLength) {
    Reply reply = request("/generator");
    EXPECT_EQ(reply.writer.status, "201 Created");
    EXPECT_EQ(reply.writer.header("X-Gen"), "yes");
    EXPECT_EQ(reply.writer.body_length, std::nullopt);
    EXPECT_EQ(reply.writer.body, "onetwo");
    EXPECT_EQ(reply.writer.writes, 2);
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonResponse, EmptyIterableSendsHeadersAtTheEnd) {
    Reply reply = request("/empty-generator");
    EXPECT_EQ(reply.writer.status, "204 No Content");
    EXPECT_EQ(reply.writer.body_length, 0u);
    EXPECT_EQ(reply.writer.writes, 0);
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonResponse, StrChunkIsAnApplicationError) {
    LogCapture log;
    Reply reply = request("/str-chunk");
    EXPECT_EQ(reply.writer.status, "500 Internal Server Error");
    EXPECT_EQ(reply.writer.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(reply.writer.finishes, 1);
    EXPECT_NE(log.text().find("TypeError: the application must return bytes, not str"), std::string::npos);
}

TEST(PythonResponse, ExceptionBeforeStartIs500WithTraceback) {
    LogCapture log;
    Reply reply = request("/raise-before?q=1");
    EXPECT_TRUE(reply.handled);
    EXPECT_EQ(reply.writer.status, "500 Internal Server Error");
    EXPECT_EQ(reply.writer.body, "500 Internal Server Error\n");
    EXPECT_EQ(reply.writer.body_length, reply.writer.body.size());
    EXPECT_EQ(reply.writer.finishes, 1);
    std::string text = log.text();
    EXPECT_NE(
        text.find("error GET /raise-before?q=1: application error:\nTraceback (most recent call last):"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("ValueError: boom before start_response"), std::string::npos) << text;
}

TEST(PythonResponse, ExceptionAfterStartResponseButBeforeDataIs500) {
    LogCapture log;
    Reply reply = request("/raise-before-data");
    EXPECT_EQ(reply.writer.status, "500 Internal Server Error");
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonResponse, ExceptionAfterDataLeavesTheResponseUnfinished) {
    LogCapture log;
    Reply reply = request("/raise-after-data");
    EXPECT_TRUE(reply.handled);
    EXPECT_EQ(reply.writer.status, "200 OK");
    EXPECT_EQ(reply.writer.body, "partial");
    EXPECT_EQ(reply.writer.finishes, 0);
    EXPECT_NE(log.text().find("ValueError: boom after data"), std::string::npos);
}

std::string closed_names() { return request("/closed-list").writer.body; }

TEST(PythonResponse, CloseIsCalledOnSuccess) {
    Reply reply = request("/closing?ok");
    EXPECT_EQ(reply.writer.body, "xyz");
    EXPECT_EQ(reply.writer.finishes, 1);
    EXPECT_NE(closed_names().find("'ok'"), std::string::npos);
}

TEST(PythonResponse, CloseIsCalledOnError) {
    LogCapture log;
    Reply reply = request("/closing-raises?error");
    EXPECT_EQ(reply.writer.body, "x");
    EXPECT_EQ(reply.writer.finishes, 0);
    EXPECT_NE(closed_names().find("'error'"), std::string::npos);
}

TEST(PythonResponse, ClientGoneStopsIterationAndStillCloses) {
    LogCapture log;
    Reply reply = request("/closing?gone", "", {}, 1 << 20, 1);
    EXPECT_TRUE(reply.handled);
    EXPECT_EQ(reply.writer.body, "x");
    EXPECT_EQ(reply.writer.finishes, 0);
    EXPECT_NE(closed_names().find("'gone'"), std::string::npos);
    EXPECT_NE(log.text().find("debug GET /closing?gone: client gone"), std::string::npos) << log.text();
    EXPECT_EQ(log.text().find("error"), std::string::npos) << log.text();
}

class FileWrapperTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = harness().dir + "/file.bin";
        std::ofstream(path_) << "0123456789abcdef";
    }
    void TearDown() override { std::filesystem::remove(path_); }
    std::string path_;
};

TEST_F(FileWrapperTest, RegularFileGoesOutWithSendfileFromItsPosition) {
    Reply reply = request("/file-wrapper?" + path_);
    EXPECT_EQ(reply.writer.sendfiles, 1);
    EXPECT_EQ(reply.writer.file_offset, 3u);
    EXPECT_EQ(reply.writer.file_count, 13u);
    EXPECT_EQ(reply.writer.body_length, 13u);
    EXPECT_EQ(reply.writer.body, "3456789abcdef");
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST_F(FileWrapperTest, ContentLengthLimitsTheCount) {
    Reply reply = request("/file-wrapper?" + path_, "", {{"HTTP_X_LIMIT", "4"}});
    EXPECT_EQ(reply.writer.file_count, 4u);
    EXPECT_EQ(reply.writer.body, "3456");
}

TEST(PythonResponse, FileWrapperOverBytesIOIsIterated) {
    Reply reply = request("/file-wrapper-bytesio");
    EXPECT_EQ(reply.writer.sendfiles, 0);
    EXPECT_EQ(reply.writer.body, "0123456789");
    EXPECT_EQ(reply.writer.writes, 3);  // blksize 4
    EXPECT_EQ(reply.writer.finishes, 1);
}

// python3-flask is a test dependency (scripts/install-deps.sh): a 500 here is a failure, never a skip.
TEST(PythonResponse, FlaskAppRuns) {
    Reply reply = request("/flask?x=1");
    EXPECT_EQ(reply.writer.status, "200 OK");
    EXPECT_EQ(reply.writer.body, "flask says 1");
    EXPECT_EQ(reply.writer.finishes, 1);
}

}  // namespace
}  // namespace appserver::python::testing
