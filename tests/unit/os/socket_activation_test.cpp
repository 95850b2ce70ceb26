#include "os/socket_activation.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace appserver {
namespace {

ListenAddress address(std::string_view spec) {
    std::string error;
    auto a = parse_listen_address(spec, error);
    EXPECT_TRUE(a) << error;
    return a.value_or(ListenAddress{});
}

BoundAddress inet(int family, std::string host, int port) {
    return BoundAddress{.family = family, .host = std::move(host), .port = port, .unix_path = ""};
}

TEST(SocketActivation, PortOnlyMatchesAnyAddressV4OrV6) {
    EXPECT_TRUE(address_matches(address(":8000"), inet(AF_INET, "0.0.0.0", 8000)));
    EXPECT_TRUE(address_matches(address(":8000"), inet(AF_INET6, "::", 8000)));  // ListenStream=8000
    EXPECT_TRUE(address_matches(address("0.0.0.0:8000"), inet(AF_INET6, "::", 8000)));
    EXPECT_FALSE(address_matches(address(":8000"), inet(AF_INET, "127.0.0.1", 8000)));
    EXPECT_FALSE(address_matches(address(":8001"), inet(AF_INET, "0.0.0.0", 8000)));
    EXPECT_FALSE(address_matches(address(":0"), inet(AF_INET, "0.0.0.0", 0)));
}

TEST(SocketActivation, HostsCompareAsAddresses) {
    EXPECT_TRUE(address_matches(address("127.0.0.1:8000"), inet(AF_INET, "127.0.0.1", 8000)));
    EXPECT_FALSE(address_matches(address("127.0.0.2:8000"), inet(AF_INET, "127.0.0.1", 8000)));
    EXPECT_TRUE(address_matches(address("[::1]:8000"), inet(AF_INET6, "::1", 8000)));
    EXPECT_TRUE(address_matches(address("[0:0::1]:8000"), inet(AF_INET6, "::1", 8000)));
    EXPECT_TRUE(address_matches(address("localhost:8000"), inet(AF_INET, "127.0.0.1", 8000)));
    EXPECT_FALSE(address_matches(address("/run/app.sock"), inet(AF_INET, "0.0.0.0", 8000)));
}

TEST(SocketActivation, UnixPathsByNameOrByFile) {
    BoundAddress bound{.family = AF_UNIX, .host = "", .port = 0, .unix_path = "/run/app.sock"};
    EXPECT_TRUE(address_matches(address("/run/app.sock"), bound));
    EXPECT_FALSE(address_matches(address("/run/other.sock"), bound));
    EXPECT_FALSE(address_matches(address(":8000"), bound));
    // The same file under another name (a relative path after chdir, a symlinked directory).
    char dir[] = "/tmp/sa-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/s.sock";
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
    std::string link = std::string(dir) + "/link";
    ASSERT_EQ(::symlink(dir, link.c_str()), 0);
    bound.unix_path = path;
    EXPECT_TRUE(address_matches(address(link + "/s.sock"), bound));
    ::unlink(link.c_str());
    ::unlink(path.c_str());
    ::rmdir(dir);
}

TEST(SocketActivation, NamesChooseTheProtocolOfUnmatchedSockets) {
    EXPECT_EQ(protocol_for_name("uwsgi"), Protocol::uwsgi);
    EXPECT_EQ(protocol_for_name("UWSGI-api"), Protocol::uwsgi);
    EXPECT_EQ(protocol_for_name("http"), Protocol::http);
    EXPECT_EQ(protocol_for_name(""), Protocol::http);
    EXPECT_EQ(protocol_for_name("appserver.socket"), Protocol::http);
    EXPECT_EQ(protocol_for_name("uws"), Protocol::http);
}

TEST(SocketActivation, VariablesAreForOnePid) {
    std::string error;
    auto none = parse_listen_fds(nullptr, nullptr, nullptr, 10, error);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->count, 0);
    auto other = parse_listen_fds("11", "2", "a:b", 10, error);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->count, 0);  // another process's
    auto ours = parse_listen_fds("10", "3", "http:uwsgi", 10, error);
    ASSERT_TRUE(ours);
    EXPECT_EQ(ours->count, 3);
    EXPECT_EQ(ours->names, (std::vector<std::string>{"http", "uwsgi", ""}));
    EXPECT_FALSE(parse_listen_fds("10", "x", nullptr, 10, error));
    EXPECT_NE(error.find("LISTEN_FDS=\"x\""), std::string::npos);
}

TEST(SocketActivation, BoundAddressOfARealSocket) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    auto bound = bound_address(fd.get());
    ASSERT_TRUE(bound);
    EXPECT_EQ(bound->host, "127.0.0.1");
    EXPECT_GT(bound->port, 0);
    EXPECT_EQ(bound->name(), "127.0.0.1:" + std::to_string(bound->port));
}

}  // namespace
}  // namespace appserver
