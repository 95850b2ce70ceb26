// start_response(): validation, exc_info, the write() callable.

#include "python_harness.h"

namespace appserver::python::testing {
namespace {

void expect_500(const Reply& reply) {
    EXPECT_TRUE(reply.handled);
    EXPECT_EQ(reply.writer.status, "500 Internal Server Error");
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonStartResponse, WriteCallableSendsAtOnce) {
    Reply reply = request("/write-only");
    EXPECT_EQ(reply.writer.status, "200 OK");
    EXPECT_EQ(reply.writer.body, "via write");
    EXPECT_EQ(reply.writer.body_length, std::nullopt);
    EXPECT_EQ(reply.writer.writes, 2);
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonStartResponse, WriteThenIterable) {
    Reply reply = request("/write-then-list");
    EXPECT_EQ(reply.writer.body, "abc");
    EXPECT_EQ(reply.writer.body_length, std::nullopt) << "headers went out with the first write()";
    EXPECT_EQ(reply.writer.finishes, 1);
}

TEST(PythonStartResponse, SecondCallWithoutExcInfoRaises) {
    LogCapture log;
    expect_500(request("/twice"));
    EXPECT_NE(log.text().find("RuntimeError: start_response() called again without exc_info"),
              std::string::npos)
        << log.text();
}

TEST(PythonStartResponse, ExcInfoReplacesUnsentHeaders) {
    Reply reply = request("/exc-info");
    EXPECT_EQ(reply.writer.status, "503 Service Unavailable");
    EXPECT_EQ(reply.writer.header("X-Second"), "2");
    EXPECT_EQ(reply.writer.header("X-First"), "<absent>");
    EXPECT_EQ(reply.writer.body, "replaced");
}

TEST(PythonStartResponse, ExcInfoAfterHeadersSentReraises) {
    LogCapture log;
    Reply reply = request("/exc-info-after-sent");
    EXPECT_EQ(reply.writer.status, "200 OK");
    EXPECT_EQ(reply.writer.body, "sent");
    EXPECT_EQ(reply.writer.finishes, 0) << "an incomplete body is not finished";
    EXPECT_NE(log.text().find("KeyError: 'late'"), std::string::npos) << log.text();
}

TEST(PythonStartResponse, InvalidStatus) {
    for (const char* status : {"200", "OK", "2000%20OK", "20%20OK", "099%20Low"}) {
        LogCapture log;
        expect_500(request(std::string("/bad-status?") + status));
        EXPECT_NE(log.text().find("ValueError: status must look like"), std::string::npos) << status;
    }
    EXPECT_EQ(request("/bad-status?404%20Not%20Found").writer.status, "404 Not Found");
    EXPECT_EQ(request("/bad-status?299%20").writer.status, "299 ");
}

TEST(PythonStartResponse, InterimStatusIsRefused) {
    // A 1xx sent as the final status would shift every later response on the connection by one.
    for (const char* status :
         {"100%20Continue", "101%20Switching%20Protocols", "103%20Early%20Hints", "199%20X"}) {
        LogCapture log;
        expect_500(request(std::string("/bad-status?") + status));
        EXPECT_NE(log.text().find("is not a final status"), std::string::npos) << status << log.text();
    }
}

TEST(PythonStartResponse, ControlCharactersAreRefused) {
    // CR and LF split the response; the other controls are not field-value characters either.
    const std::vector<std::string> controls = {"a\x01", "a\x0b", "a\x7f", "a\x1b", std::string("a\0", 2),
                                               "a\r",   "a\n"};
    for (const std::string& bad : controls) {
        LogCapture log;
        expect_500(request("/header-from-query?" + bad));
        EXPECT_NE(log.text().find("contains a control character"), std::string::npos) << log.text();
        expect_500(request("/bad-status?200%20O" + bad));
    }
    Reply tab = request("/header-from-query?a\tb c\x80");
    EXPECT_EQ(tab.writer.status, "200 OK");
    EXPECT_EQ(tab.writer.header("X-A"), "a\tb c\x80") << "HTAB, SP and obs-text are field-value characters";
}

TEST(PythonStartResponse, InvalidHeaders) {
    LogCapture log;
    expect_500(request("/bad-header-value"));
    expect_500(request("/bad-header-name"));
    expect_500(request("/non-latin1-header"));
    expect_500(request("/headers-not-list"));
    std::string text = log.text();
    EXPECT_NE(text.find("contains a control character"), std::string::npos) << text;
    EXPECT_NE(text.find("invalid header name 'Bad Name'"), std::string::npos) << text;
    EXPECT_NE(text.find("must be latin-1 encodable"), std::string::npos) << text;
    EXPECT_NE(text.find("TypeError: headers must be a list"), std::string::npos) << text;
}

TEST(PythonStartResponse, BodyWithoutStartResponse) {
    LogCapture log;
    expect_500(request("/no-start"));
    EXPECT_NE(log.text().find("before calling start_response()"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace appserver::python::testing
