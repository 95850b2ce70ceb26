#include "os/sd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace appserver::sd {
namespace {

TEST(SdNotify, PathAndAbstractAddresses) {
    std::string why;
    auto path = parse_notify_address("/run/systemd/notify", why);
    ASSERT_TRUE(path);
    EXPECT_STREQ(path->addr.sun_path, "/run/systemd/notify");
    EXPECT_EQ(path->length, offsetof(sockaddr_un, sun_path) + 20);  // with its NUL
    auto abstract = parse_notify_address("@sd-notify", why);
    ASSERT_TRUE(abstract);
    EXPECT_EQ(abstract->addr.sun_path[0], '\0');
    EXPECT_EQ(std::string(abstract->addr.sun_path + 1, 9), "sd-notify");
    EXPECT_EQ(abstract->length, offsetof(sockaddr_un, sun_path) + 10);  // exactly the name
}

TEST(SdNotify, BadAddressesAreRefused) {
    std::string why;
    EXPECT_FALSE(parse_notify_address("", why));
    EXPECT_FALSE(parse_notify_address("relative/path", why));
    EXPECT_FALSE(parse_notify_address("@", why));
    EXPECT_FALSE(parse_notify_address("/" + std::string(200, 'x'), why));
    EXPECT_NE(why.find("longer"), std::string::npos);
}

TEST(SdNotify, WatchdogOnlyForThisPid) {
    EXPECT_EQ(watchdog_interval_us(nullptr, nullptr, 42), 0u);
    EXPECT_EQ(watchdog_interval_us("2000000", nullptr, 42), 2000000u);
    EXPECT_EQ(watchdog_interval_us("2000000", "", 42), 2000000u);
    EXPECT_EQ(watchdog_interval_us("2000000", "42", 42), 2000000u);
    EXPECT_EQ(watchdog_interval_us("2000000", "43", 42), 0u);  // for another process
    EXPECT_EQ(watchdog_interval_us("2s", nullptr, 42), 0u);
}

// A real datagram to a socket bound in a temporary directory, as systemd's would be.
TEST(SdNotify, SendsOneDatagram) {
    char dir[] = "/tmp/sdn-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/notify";
    UniqueFd server(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(server.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    Notifier n = Notifier::from_environment();
    ::unsetenv("NOTIFY_SOCKET");
    ASSERT_TRUE(n.active());
    EXPECT_TRUE(n.send("READY=1\nSTATUS=ok"));
    char buf[256];
    ssize_t got = ::recv(server.get(), buf, sizeof buf, MSG_DONTWAIT);
    ASSERT_GT(got, 0);
    EXPECT_EQ(std::string(buf, static_cast<std::size_t>(got)), "READY=1\nSTATUS=ok");
    server.reset();
    ::unlink(path.c_str());
    EXPECT_FALSE(n.send("WATCHDOG=1"));  // nobody listens: not sent, nothing blocks
    ::rmdir(dir);
}

TEST(SdNotify, NoSocketNoNotifier) {
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_FALSE(Notifier::from_environment().active());
    ::setenv("NOTIFY_SOCKET", "not-a-path", 1);
    EXPECT_FALSE(Notifier::from_environment().active());
    ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace appserver::sd
