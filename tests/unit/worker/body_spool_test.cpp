// The temporary file a large body read ahead goes to (worker/body_spool.h).
#include "worker/body_spool.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace appserver {
namespace {

std::string read_all(BodySpool& spool, std::size_t step) {
    std::string out;
    char buf[4096];
    for (long n; (n = spool.read(buf, std::min(step, sizeof buf))) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    return out;
}

TEST(BodySpool, ReadsBackWhatWasAppendedInOrder) {
    BodySpool spool;
    std::string error;
    EXPECT_FALSE(spool.active());
    std::string a(100000, 'a'), b = "the end";
    ASSERT_TRUE(spool.append(a, error)) << error;
    ASSERT_TRUE(spool.append(b, error)) << error;
    EXPECT_TRUE(spool.active());
    EXPECT_EQ(spool.unread(), a.size() + b.size());
    EXPECT_EQ(read_all(spool, 3000), a + b);
    EXPECT_EQ(spool.unread(), 0u);
    char c;
    EXPECT_EQ(spool.read(&c, 1), 0);
    spool.reset();
    EXPECT_FALSE(spool.active());
}

TEST(BodySpool, LeavesNothingInTheDirectory) {
    char dir[] = "/tmp/spool-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    const char* old = std::getenv("TMPDIR");
    std::string saved = old ? old : "";
    ::setenv("TMPDIR", dir, 1);
    BodySpool spool;
    std::string error;
    ASSERT_TRUE(spool.append("x", error)) << error;
    int entries = 0;
    if (DIR* d = ::opendir(dir)) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++entries;
        ::closedir(d);
    }
    EXPECT_EQ(entries, 0);
    spool.reset();
    ::rmdir(dir);
    if (old)
        ::setenv("TMPDIR", saved.c_str(), 1);
    else
        ::unsetenv("TMPDIR");
}

TEST(BodySpool, DirectoryThatCannotHoldItIsAnError) {
    const char* old = std::getenv("TMPDIR");
    std::string saved = old ? old : "";
    ::setenv("TMPDIR", "/nonexistent/dir", 1);
    BodySpool spool;
    std::string error;
    EXPECT_FALSE(spool.append("x", error));
    EXPECT_NE(error.find("/nonexistent/dir"), std::string::npos) << error;
    if (old)
        ::setenv("TMPDIR", saved.c_str(), 1);
    else
        ::unsetenv("TMPDIR");
}

}  // namespace
}  // namespace appserver
