#include "os/pidfile.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace appserver {
namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/as-pidfile-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
};

ino_t inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(Pidfile, WritesAndReadsBack) {
    TempDir dir;
    std::string path = dir.path + "/pid", error;
    ASSERT_TRUE(write_pidfile(path, 4242, error)) << error;
    auto pid = read_pidfile(path, error);
    ASSERT_TRUE(pid) << error;
    EXPECT_EQ(*pid, 4242);
}

// A master re-executed by a reload (same pid, now running as uid) must not need to replace it.
TEST(Pidfile, AnUnchangedPidfileIsNotReplaced) {
    TempDir dir;
    std::string path = dir.path + "/pid", error;
    ASSERT_TRUE(write_pidfile(path, 4242, error)) << error;
    ino_t before = inode(path);
    ASSERT_TRUE(write_pidfile(path, 4242, error)) << error;
    EXPECT_EQ(inode(path), before);
    ASSERT_TRUE(write_pidfile(path, 4243, error)) << error;
    EXPECT_EQ(*read_pidfile(path, error), 4243);
}

// The pidfile is written through a temporary file beside it; an error must name the user's file.
// The temporary name is predictable: a symlink planted there (a pidfile in /tmp, a local user)
// must not make the master write through it. The link goes; its target keeps its content.
TEST(Pidfile, AWriteNeverFollowsALinkPlantedAtItsTemporaryName) {
    TempDir dir;
    std::string path = dir.path + "/app.pid.reload", victim = dir.path + "/victim", error;
    std::ofstream(victim) << "precious\n";
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    ASSERT_EQ(::symlink(victim.c_str(), tmp.c_str()), 0);
    ASSERT_TRUE(write_file_atomic(path, "1 ok generation 1\n", error)) << error;
    std::ifstream in(victim);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "precious\n");
    std::ifstream written(path);
    std::string status((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
    EXPECT_EQ(status, "1 ok generation 1\n");
    struct stat st {};
    EXPECT_EQ(::lstat(tmp.c_str(), &st), -1);  // no link left behind
    // A leftover regular file at the temporary name is replaced too.
    std::ofstream(tmp) << "stale";
    ASSERT_TRUE(write_file_atomic(path, "2\n", error)) << error;
    EXPECT_EQ(::lstat(tmp.c_str(), &st), -1);
}

// --stop, --reload and a start over a pidfile act only on a master: a stale pidfile's pid may now
// be another program, or a worker of another appserver (same program, its master's session).
TEST(Pidfile, OnlyAMasterOfThisProgramIsTakenForAnAppserver) {
    EXPECT_TRUE(is_live_appserver(::getpid()));
    auto child = [](bool own_session) {
        pid_t pid = ::fork();
        if (pid == 0) {
            if (own_session) ::setsid();
            ::pause();
            ::_exit(0);
        }
        return pid;
    };
    pid_t worker_like = child(false);
    pid_t daemon_like = child(true);  // an attached daemon: a session of its own
    pid_t other = ::fork();
    if (other == 0) {
        ::execl("/bin/sleep", "appserver-lookalike", "30", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::usleep(100 * 1000);  // the setsid and the exec
    EXPECT_FALSE(is_live_appserver(worker_like));
    EXPECT_TRUE(is_live_appserver(daemon_like));
    EXPECT_FALSE(is_live_appserver(other));  // argv[0] says appserver; the program is sleep
    for (pid_t pid : {worker_like, daemon_like, other}) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
}

TEST(Pidfile, APidfileHoldsANumberAndNothingElse) {
    TempDir dir;
    std::string path = dir.path + "/pid", error;
    for (const char* text : {"123abc\n", "abc\n", "\n", "-5\n", "12 34\n"}) {
        std::ofstream(path) << text;
        EXPECT_FALSE(read_pidfile(path, error)) << text;
    }
    std::ofstream(path) << " 4242 \n";
    EXPECT_EQ(read_pidfile(path, error).value_or(0), 4242);
}

TEST(Pidfile, ErrorNamesThePidfileNotTheTemporaryFile) {
    TempDir dir;
    std::string path = dir.path + "/missing/app.pid", error;
    ASSERT_FALSE(write_pidfile(path, 4242, error));
    EXPECT_NE(error.find("\"" + path + "\""), std::string::npos) << error;
    EXPECT_EQ(error.find(".tmp"), std::string::npos) << error;
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

}  // namespace
}  // namespace appserver
