// wsgi.input: streaming reads over the core's BodyReader.

#include "python_harness.h"

namespace appserver::python::testing {
namespace {

TEST(PythonInput, ReadAll) {
    std::string body(300000, 'x');
    body[123456] = 'y';
    Reply reply = request("/read-all", body, {}, 1000);
    EXPECT_EQ(reply.writer.body, body);
    EXPECT_EQ(reply.writer.body_length, body.size());
}

TEST(PythonInput, ReadInPiecesFillsEachPieceUnlessAtTheEnd) {
    Reply reply = request("/read-parts?4", "0123456789", {}, 3);
    EXPECT_EQ(reply.writer.body, "[b'0123', b'4567', b'89', b'']");
}

TEST(PythonInput, ReadlineAndReadMix) {
    Reply reply = request("/read-mixed", "first\nsecond line\nthird\nrest", {}, 2);
    EXPECT_EQ(reply.writer.body, "[b'first\\n', b'sec', b'ond ', b'line\\n', b'third\\nrest', b'', b'']");
}

TEST(PythonInput, Readlines) {
    EXPECT_EQ(request("/readlines", "a\nbb\nccc", {}, 1).writer.body, "[b'a\\n', b'bb\\n', b'ccc']");
    EXPECT_EQ(request("/readlines?3", "a\nbb\nccc").writer.body, "[b'a\\n', b'bb\\n']");
}

TEST(PythonInput, Iteration) {
    EXPECT_EQ(request("/iterate-input", "x\ny\n\nz").writer.body, "[b'x\\n', b'y\\n', b'\\n', b'z']");
}

TEST(PythonInput, LongLineGrowsTheBuffer) {
    std::string line(100000, 'q');
    Reply reply = request("/read-mixed", line + "\nz", {}, 7000);
    EXPECT_EQ(reply.writer.body.substr(0, 8), "[b'qqqqq");
    EXPECT_NE(reply.writer.body.find("q\\n', b'z'"), std::string::npos);
}

TEST(PythonInput, UnreadBodyIsNotRead) {
    Reply reply = request("/hello", std::string(100000, 'b'));
    EXPECT_EQ(reply.body_consumed, 0u);
}

TEST(PythonInput, ReadErrorRaisesOSError) {
    FakeBody failing("abcdefgh", 2, 4);
    Reply reply = request("/read-error", "abcdefgh", {}, 2, std::nullopt, &failing);
    EXPECT_EQ(reply.writer.body, "OSError");
}

TEST(PythonInput, UseAfterTheRequestRaisesValueError) {
    request("/keep-input", "abc");
    EXPECT_EQ(request("/use-kept-input").writer.body, "ValueError");
}

}  // namespace
}  // namespace appserver::python::testing
