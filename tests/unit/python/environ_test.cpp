// What the application sees in environ (PEP 3333).

#include "python_harness.h"

namespace appserver::python::testing {
namespace {

TEST(PythonEnviron, CgiVariablesBecomeLatin1Strings) {
    Reply reply =
        request("/environ?a=1&b=%C3%A9", "", {{"HTTP_X_CUSTOM", "caf\xe9"}, {"CONTENT_TYPE", "text/plain"}});
    ASSERT_EQ(reply.writer.status, "200 OK");
    const std::string& body = reply.writer.body;
    EXPECT_NE(body.find("REQUEST_METHOD='GET'\n"), std::string::npos) << body;
    EXPECT_NE(body.find("PATH_INFO='/environ'\n"), std::string::npos);
    EXPECT_NE(body.find("QUERY_STRING='a=1&b=%C3%A9'\n"), std::string::npos);
    EXPECT_NE(body.find("REQUEST_URI='/environ?a=1&b=%C3%A9'\n"), std::string::npos);
    EXPECT_NE(body.find("SERVER_PORT='8080'\n"), std::string::npos);
    EXPECT_NE(body.find("REMOTE_ADDR='127.0.0.1'\n"), std::string::npos);
    EXPECT_NE(body.find("HTTP_HOST='localhost:8080'\n"), std::string::npos);
    EXPECT_NE(body.find("CONTENT_TYPE='text/plain'\n"), std::string::npos);
    // The byte 0xE9 arrives as U+00E9 (latin-1), repr'd as é in UTF-8.
    EXPECT_NE(body.find("HTTP_X_CUSTOM='caf\xc3\xa9'\n"), std::string::npos) << body;
}

// The environ keeps the previous request's str objects per position (a repeat costs a compare):
// a value that changes at the same position must show the new value, never the old one.
TEST(PythonEnviron, ValuesChangingBetweenRequestsAreNeverStale) {
    for (int i = 0; i < 3; ++i) {
        std::string value = "v" + std::to_string(i);
        Reply reply = request("/environ", "", {{"HTTP_X_CUSTOM", value}, {"HTTP_X_SAME", "same"}});
        EXPECT_NE(reply.writer.body.find("HTTP_X_CUSTOM='" + value + "'\n"), std::string::npos) << reply.writer.body;
        EXPECT_NE(reply.writer.body.find("HTTP_X_SAME='same'\n"), std::string::npos);
    }
    // The same position, another name; and a value longer than what is kept.
    std::string big(4000, 'b');
    Reply reply = request("/environ", "", {{"HTTP_X_OTHER", big}});
    EXPECT_EQ(reply.writer.body.find("HTTP_X_CUSTOM"), std::string::npos);
    EXPECT_NE(reply.writer.body.find("HTTP_X_OTHER='" + big + "'\n"), std::string::npos);
    reply = request("/environ", "", {{"HTTP_X_OTHER", "small"}});
    EXPECT_NE(reply.writer.body.find("HTTP_X_OTHER='small'\n"), std::string::npos);
}

// From the third request in a row with the same names, the environ is a copy of a template with
// only the changed values set (Environ::copy_template): every value must still be this request's,
// including one too long to keep and the kept one after it.
TEST(PythonEnviron, ATemplatedEnvironHasEveryValueOfItsOwnRequest) {
    const std::string big(4000, 'g');
    const std::vector<std::string> values = {"a", "a", "a", "b", "b", "a", big, "c", "c", "c", big, big, "d"};
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::string query = "n=" + std::to_string(i % 3);
        Reply reply = request("/environ?" + query, "", {{"HTTP_X_VALUE", values[i]}, {"HTTP_X_SAME", "same"}});
        const std::string& body = reply.writer.body;
        EXPECT_NE(body.find("HTTP_X_VALUE='" + values[i] + "'\n"), std::string::npos) << i;
        EXPECT_NE(body.find("QUERY_STRING='" + query + "'\n"), std::string::npos) << i << body;
        EXPECT_NE(body.find("HTTP_X_SAME='same'\n"), std::string::npos) << i;
    }
}

// A name twice (the uwsgi protocol allows it; the later value wins, as inserting them in order
// gives): changing only the earlier one must not show through a template.
TEST(PythonEnviron, ANameTwiceTheLaterValueWinsEveryTime) {
    for (const char* first : {"a", "a", "a", "b", "c"}) {
        Reply reply = request("/environ", "", {{"HTTP_X_DUP", first}, {"HTTP_X_DUP", "last"}});
        EXPECT_NE(reply.writer.body.find("HTTP_X_DUP='last'\n"), std::string::npos) << first << reply.writer.body;
    }
    // One-letter values: CPython hands out the same str object for both positions.
    for (const char* first : {"1", "1", "1", "2"}) {
        Reply reply = request("/environ", "", {{"HTTP_X_ONE", first}, {"HTTP_X_ONE", "1"}});
        EXPECT_NE(reply.writer.body.find("HTTP_X_ONE='1'\n"), std::string::npos) << first << reply.writer.body;
    }
    for (const char* query : {"q=1", "q=1", "q=1", "q=2"}) {  // QUERY_STRING is a constant's name too
        Reply reply = request(std::string("/environ?") + query, "", {{"QUERY_STRING", "later"}});
        EXPECT_NE(reply.writer.body.find("QUERY_STRING='later'\n"), std::string::npos) << query;
    }
}

TEST(PythonEnviron, WhatAnAppChangesInItsEnvironNoOtherRequestSees) {
    for (int i = 0; i < 4; ++i) EXPECT_EQ(request("/mutate?q").writer.body, "mutated");
    for (int i = 0; i < 3; ++i) {
        Reply reply = request("/environ?q");
        EXPECT_NE(reply.writer.body.find("HTTP_HOST='localhost:8080'\n"), std::string::npos) << reply.writer.body;
        EXPECT_NE(reply.writer.body.find("QUERY_STRING='q'\n"), std::string::npos);
        EXPECT_EQ(reply.writer.body.find("HTTP_X_ADDED"), std::string::npos);
    }
}

TEST(PythonEnviron, DecodedPathInfoKeepsItsBytesAsLatin1) {
    Reply reply = request("/environ", "", {{"PATH_INFO", "/environ/\xc3\xa9"}});
    // b"\xc3\xa9" as latin-1 is 'Ã©'; the application re-encodes with latin-1 to get the bytes.
    EXPECT_NE(reply.writer.body.find("PATH_INFO='/environ/\xc3\x83\xc2\xa9'\n"), std::string::npos)
        << reply.writer.body;
}

TEST(PythonEnviron, WsgiKeys) {
    Reply reply = request("/environ");
    const std::string& body = reply.writer.body;
    EXPECT_NE(body.find("wsgi.version=(1, 0)\n"), std::string::npos) << body;
    EXPECT_NE(body.find("wsgi.url_scheme='http'\n"), std::string::npos);
    EXPECT_NE(body.find("wsgi.input='InputStream'\n"), std::string::npos);
    EXPECT_NE(body.find("wsgi.errors='ErrorStream'\n"), std::string::npos);
    EXPECT_NE(body.find("wsgi.file_wrapper='type'\n"), std::string::npos);
    EXPECT_NE(body.find("wsgi.input_terminated=True\n"), std::string::npos);
    EXPECT_NE(body.find("wsgi.multithread=True\n"), std::string::npos);   // threads = 4
    EXPECT_NE(body.find("wsgi.multiprocess=True\n"), std::string::npos);  // processes = 2
    EXPECT_NE(body.find("wsgi.run_once=False\n"), std::string::npos);
}

TEST(PythonEnviron, ScriptNameAndQueryStringDefaultToEmpty) {
    // The harness always sends QUERY_STRING; drop it by overriding with a request that lacks it.
    Reply reply = request("/environ");
    EXPECT_NE(reply.writer.body.find("SCRIPT_NAME=''\n"), std::string::npos);
    EXPECT_NE(reply.writer.body.find("QUERY_STRING=''\n"), std::string::npos);
}

TEST(PythonEnviron, HttpsScheme) {
    Harness& h = harness();
    FakeBody body;
    FakeWriter writer;
    Request req;
    req.vars = {{"REQUEST_METHOD", "GET"}, {"PATH_INFO", "/environ"}};
    req.url_scheme = "https";
    req.body = &body;
    ASSERT_TRUE(h.runtime->handle(req, writer));
    EXPECT_NE(writer.body.find("wsgi.url_scheme='https'\n"), std::string::npos);
    EXPECT_NE(writer.body.find("QUERY_STRING=''\n"), std::string::npos) << "default when absent";
}

TEST(PythonEnviron, EachRequestGetsItsOwnCopy) {
    Reply first = request("/environ", "", {{"HTTP_X_ONLY_FIRST", "1"}});
    Reply second = request("/environ");
    EXPECT_NE(first.writer.body.find("HTTP_X_ONLY_FIRST"), std::string::npos);
    EXPECT_EQ(second.writer.body.find("HTTP_X_ONLY_FIRST"), std::string::npos);
}

TEST(PythonEnviron, ManyDistinctHeaderNamesAreFine) {
    for (int i = 0; i < 700; ++i) {
        Reply reply = request("/hello", "", {{"HTTP_X_H" + std::to_string(i), "v"}});
        ASSERT_EQ(reply.writer.status, "200 OK");
    }
}

TEST(PythonEnviron, ErrorsStreamLogsLines) {
    LogCapture log;
    Reply reply = request("/errors");
    EXPECT_EQ(reply.writer.status, "200 OK");
    std::string text = log.text();
    EXPECT_NE(text.find("error line one\n"), std::string::npos) << text;
    EXPECT_NE(text.find("error line two\n"), std::string::npos) << text;
    EXPECT_NE(text.find("error three\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace appserver::python::testing
