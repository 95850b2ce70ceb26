#include "config/daemon_spec.h"

#include <gtest/gtest.h>

namespace appserver {
namespace {

TEST(DaemonSpec, AttachDaemonIsTheWholeCommand) {
    std::string error;
    auto spec = parse_daemon_spec("attach-daemon", "  celery -A proj worker --loglevel=info ", error);
    ASSERT_TRUE(spec) << error;
    EXPECT_EQ(spec->command, "celery -A proj worker --loglevel=info");
    EXPECT_FALSE(spec->smart());
    EXPECT_EQ(spec->stop_signal, 15);
}

TEST(DaemonSpec, SmartDaemonsTakeAPidfileFirst) {
    std::string error;
    auto smart = parse_daemon_spec("smart-attach-daemon", "/tmp/x.pid,5 memcached -d -P /tmp/x.pid", error);
    ASSERT_TRUE(smart) << error;
    EXPECT_EQ(smart->pidfile, "/tmp/x.pid");
    EXPECT_EQ(smart->freq, 5);
    EXPECT_EQ(smart->command, "memcached -d -P /tmp/x.pid");
    EXPECT_FALSE(smart->daemonize);
    auto smart2 = parse_daemon_spec("smart-attach-daemon2", "/tmp/y.pid redis-server", error);
    ASSERT_TRUE(smart2) << error;
    EXPECT_EQ(smart2->pidfile, "/tmp/y.pid");
    EXPECT_EQ(smart2->freq, 10);
    EXPECT_TRUE(smart2->daemonize);
    EXPECT_FALSE(parse_daemon_spec("smart-attach-daemon", "/tmp/only-a-pidfile", error));
    EXPECT_NE(error.find("smart-attach-daemon"), std::string::npos);
    EXPECT_FALSE(parse_daemon_spec("smart-attach-daemon", "/tmp/x.pid,often cmd", error));
}

TEST(DaemonSpec, AttachDaemon2KeyValues) {
    std::string error;
    auto spec = parse_daemon_spec(
        "attach-daemon2",
        "cmd=echo a\\,b,pidfile=/run/d.pid,daemonize=1,freq=3,stopsignal=2,reload_signal=1,stdin=1,"
        "chdir=/srv,max_throttle=7,notifypid=1,touch=/a;/b",
        error);
    ASSERT_TRUE(spec) << error;
    EXPECT_EQ(spec->command, "echo a,b");
    EXPECT_EQ(spec->pidfile, "/run/d.pid");
    EXPECT_TRUE(spec->daemonize);
    EXPECT_EQ(spec->freq, 3);
    EXPECT_EQ(spec->stop_signal, 2);
    EXPECT_EQ(spec->reload_signal, 1);
    EXPECT_TRUE(spec->honour_stdin);
    EXPECT_EQ(spec->chdir, "/srv");
    EXPECT_EQ(spec->max_throttle_s, 7);
    EXPECT_TRUE(spec->notify_pid);
    EXPECT_EQ(spec->touch, (std::vector<std::string>{"/a", "/b"}));
}

TEST(DaemonSpec, AttachDaemon2RefusesWhatItCannotDo) {
    std::string error;
    EXPECT_FALSE(parse_daemon_spec("attach-daemon2", "freq=3", error));
    EXPECT_NE(error.find("command"), std::string::npos);
    EXPECT_FALSE(parse_daemon_spec("attach-daemon2", "cmd=x,legion=a", error));
    EXPECT_NE(error.find("legion"), std::string::npos);
    EXPECT_FALSE(parse_daemon_spec("attach-daemon2", "cmd=x,colour=blue", error));
    EXPECT_NE(error.find("colour"), std::string::npos);
    EXPECT_FALSE(parse_daemon_spec("attach-daemon2", "cmd=x,freq=soon", error));
    EXPECT_FALSE(parse_daemon_spec("attach-daemon2", "cmd=x,daemonize=1", error));  // where would the pid go?
    EXPECT_FALSE(parse_daemon_spec("attach-daemon2", "just words", error));
}

}  // namespace
}  // namespace appserver
