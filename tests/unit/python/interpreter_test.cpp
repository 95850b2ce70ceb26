// The interpreter: description, sys.path, request threads, fork.

#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "python_harness.h"

namespace appserver::python::testing {
namespace {

TEST(PythonInterpreter, Describe) {
    std::string text = harness().runtime->describe();
    EXPECT_EQ(text.rfind("Python 3.", 0), 0u) << text;
    EXPECT_NE(text.find("("), std::string::npos) << text;
}

TEST(PythonInterpreter, PythonpathComesFirstInOrderThenTheAppDirAndCwd) {
    const std::string& dir = harness().dir;
    std::string body = request("/syspath").writer.body;
    std::string cwd = std::filesystem::current_path().string();
    // The wsgi-file's directory went in front when the app was loaded.
    EXPECT_EQ(body.rfind(dir + "\n" + dir + "/pp1\n" + dir + "/pp2\n" + cwd + "\n", 0), 0u) << body;
    EXPECT_NE(body.find("-packages"), std::string::npos) << "site ran: " << body;
}

TEST(PythonInterpreter, ConcurrentRequestThreads) {
    harness();
    std::atomic<int> failures = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            harness().runtime->thread_start();
            for (int i = 0; i < 200; ++i) {
                std::string body(1000 + t * 100 + i, static_cast<char>('a' + t));
                Reply echo = request("/read-all", body, {}, 97);
                Reply hello = request("/hello");
                if (echo.writer.body != body || hello.writer.body != "Hello World") ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures, 0);
}

TEST(PythonInterpreter, ForkedChildServes) {
    AppRuntime& runtime = *harness().runtime;
    runtime.before_fork();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        runtime.after_fork_child();
        runtime.thread_start();
        Reply reply = request("/hello");
        ::_exit(reply.writer.body == "Hello World" ? 0 : 1);
    }
    runtime.after_fork_parent();
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(request("/hello").writer.body, "Hello World") << "the parent serves on";
}

}  // namespace
}  // namespace appserver::python::testing
