#include "os/privileges.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace appserver {
namespace {

constexpr uid_t kNoUid = static_cast<uid_t>(-1);
constexpr gid_t kNoGid = static_cast<gid_t>(-1);

TEST(ChownSocketOwner, UserAloneLeavesTheGroup) {
    std::string error;
    auto id = resolve_owner("0", error);
    ASSERT_TRUE(id) << error;
    EXPECT_EQ(id->uid, 0u);
    EXPECT_EQ(id->gid, kNoGid);
}

TEST(ChownSocketOwner, NamesAndNumbers) {
    std::string error;
    auto id = resolve_owner("root:0", error);
    ASSERT_TRUE(id) << error;
    EXPECT_EQ(id->uid, 0u);
    EXPECT_EQ(id->gid, 0u);
    id = resolve_owner("12345:54321", error);  // numbers need not exist (as in uWSGI)
    ASSERT_TRUE(id) << error;
    EXPECT_EQ(id->uid, 12345u);
    EXPECT_EQ(id->gid, 54321u);
}

TEST(ChownSocketOwner, UnknownNamesAreOneLine) {
    std::string error;
    EXPECT_FALSE(resolve_owner("no-such-user-xyz", error));
    EXPECT_EQ(error, "chown-socket: no such user \"no-such-user-xyz\"");
    EXPECT_FALSE(resolve_owner("root:no-such-group-xyz", error));
    EXPECT_EQ(error, "chown-socket: no such group \"no-such-group-xyz\"");
    EXPECT_FALSE(resolve_owner(":root", error));
}

TEST(Identity, UserBringsItsPrimaryGroupUnlessOneIsGiven) {
    std::string error;
    const passwd* pw = ::getpwnam("root");
    ASSERT_NE(pw, nullptr);
    auto id = resolve_identity("root", "", error);
    ASSERT_TRUE(id) << error;
    EXPECT_EQ(id->gid, pw->pw_gid);
    EXPECT_EQ(id->user_name, "root");
    id = resolve_identity("root", "4242", error);
    ASSERT_TRUE(id) << error;
    EXPECT_EQ(id->gid, 4242u);
    id = resolve_identity("", "", error);
    ASSERT_TRUE(id);
    EXPECT_TRUE(id->empty());
    EXPECT_EQ(id->uid, kNoUid);
}

TEST(Identity, UnknownUserOrGroupIsRefused) {
    std::string error;
    EXPECT_FALSE(resolve_identity("no-such-user-xyz", "", error));
    EXPECT_EQ(error, "uid: no such user \"no-such-user-xyz\"");
    EXPECT_FALSE(resolve_identity("", "no-such-group-xyz", error));
    EXPECT_EQ(error, "gid: no such group \"no-such-group-xyz\"");
}

// A master re-executed by a reload runs as uid already: dropping again must succeed (initgroups
// would fail with EPERM), and switching elsewhere must fail in one line. Run in a child that
// first becomes an unprivileged user when the tests run as root.
TEST(Identity, DroppingToWhatWeAlreadyAreIsNothingToDo) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::geteuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0))
            ::_exit(10);
        Identity self;
        self.uid = ::geteuid();
        self.gid = ::getegid();
        self.user_name = "whoever";
        std::string error;
        if (!drop_privileges(self, error)) ::_exit(11);
        Identity other;
        other.uid = ::geteuid() + 1;
        if (drop_privileges(other, error)) ::_exit(12);
        ::_exit(error.find("only root can") != std::string::npos ? 0 : 13);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace appserver
