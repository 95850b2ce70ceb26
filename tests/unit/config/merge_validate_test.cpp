// How ini files and the command line combine, and the checks made on the result.

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace appserver {
namespace {

using testing::load;
using testing::load_valid;
using testing::TempDir;

TEST(ConfigMerge, CommandLineWinsWhereverIniAppears) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nprocesses = 2\nharakiri = 30\n");
    auto before = load({"--processes", "8", "--ini", "uwsgi.ini"});
    ASSERT_TRUE(before.result.ok) << before.result.error;
    EXPECT_EQ(before.options.processes, 8);
    EXPECT_EQ(before.options.harakiri, 30);
    auto after = load({"--ini", "uwsgi.ini", "--processes", "8"});
    ASSERT_TRUE(after.result.ok) << after.result.error;
    EXPECT_EQ(after.options.processes, 8);
}

TEST(ConfigMerge, ListsAccumulateIniFirst) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nhttp = :2\nmodule = m\nenv = A=1\npythonpath = /ini\n");
    auto loaded = load({"--http", ":3", "--env", "B=2", "--ini", "uwsgi.ini", "--pythonpath", "/cli",
                        "--touch-reload", "/t"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.http, (std::vector<std::string>{":1", ":2", ":3"}));
    EXPECT_EQ(loaded.options.env, (std::vector<std::string>{"A=1", "B=2"}));
    EXPECT_EQ(loaded.options.pythonpath, (std::vector<std::string>{"/ini", "/cli"}));
    EXPECT_EQ(loaded.options.touch_reload, std::vector<std::string>{"/t"});
}

TEST(ConfigMerge, SeveralIniFilesLaterWins) {
    TempDir dir;
    dir.write("base.ini", "[uwsgi]\nhttp = :1\nmodule = m\nprocesses = 2\n");
    dir.write("prod.ini", "[uwsgi]\nprocesses = 12\nhttp = :2\n");
    auto loaded = load({"--ini", "base.ini", "--ini", "prod.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 12);
    EXPECT_EQ(loaded.options.http, (std::vector<std::string>{":1", ":2"}));
    EXPECT_EQ(loaded.options.ini, (std::vector<std::string>{"base.ini", "prod.ini"}));
}

TEST(ConfigMerge, VirtualEnvFillsHome) {
    testing::ScopedEnv venv("VIRTUAL_ENV", "/home/me/.venv");
    auto implicit = load_valid({});
    ASSERT_TRUE(implicit.result.ok) << implicit.result.error;
    EXPECT_EQ(implicit.options.home, "/home/me/.venv");
    auto explicit_home = load_valid({"--virtualenv", "/srv/venv"});
    EXPECT_EQ(explicit_home.options.home, "/srv/venv");
}

TEST(ConfigMerge, NoVirtualEnvNoHome) {
    testing::ScopedEnv venv("VIRTUAL_ENV", nullptr);
    auto loaded = load_valid({});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.home, "");
}

TEST(ConfigMerge, DefaultsWhenNothingIsSaid) {
    auto loaded = load_valid({});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    const Options defaults;
    EXPECT_EQ(loaded.options.processes, defaults.processes);
    EXPECT_EQ(loaded.options.listen, 1024);
    EXPECT_EQ(loaded.options.callable, "application");
    EXPECT_EQ(loaded.options.buffer_size, 8192u);
    EXPECT_EQ(loaded.options.worker_reload_mercy, 60);
    EXPECT_TRUE(loaded.options.warnings.empty());
}

// Socket activation may pass every socket: "nothing to listen on" is the start's to say
// (tests/integration/test_socket_activation.py).
TEST(ConfigValidate, AListenerMayComeFromSocketActivation) {
    EXPECT_TRUE(load({"--module", "m"}).result.ok);
    EXPECT_TRUE(load({"--socket", "/tmp/a.sock", "--module", "m"}).result.ok);
    EXPECT_TRUE(load({"--http-socket", ":1", "--module", "m"}).result.ok);
}

TEST(ConfigValidate, NeedsAnApplication) {
    EXPECT_EQ(load({"--http", ":1"}).result.error, "no application: give --wsgi-file or --module");
}

// uWSGI 2.0.21 loads `module` and skips `wsgi-file` ("mountpoint already configured. skip."), in
// either order; so does appserver, with a warning instead of refusing to start.
TEST(ConfigValidate, ModuleWinsOverWsgiFileWithAWarning) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nwsgi-file = missing.py\nmodule = m\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;  // the skipped file need not even exist
    EXPECT_EQ(loaded.options.module, "m");
    EXPECT_EQ(loaded.options.wsgi_file, "");
    EXPECT_EQ(testing::warning_lines(loaded.options),
              std::vector<std::string>{"uwsgi.ini:3: both module (m) and wsgi-file (missing.py) are set: "
                                       "loading the module and ignoring wsgi-file, as uWSGI does (it logs "
                                       "\"mountpoint already configured. skip.\")"});

    auto cli = load({"--http", ":1", "--module", "m", "--wsgi-file", "app.py"});
    ASSERT_TRUE(cli.result.ok) << cli.result.error;
    EXPECT_EQ(cli.options.module, "m");
    EXPECT_EQ(cli.options.wsgi_file, "");
    ASSERT_EQ(cli.options.warnings.size(), 1u);
    EXPECT_EQ(cli.options.warnings[0].file, "command line");
}

// uWSGI's `protocol = http` makes `socket` entries HTTP listeners (uwsgi --socket :8000 --protocol
// http); appserver used to ignore it with a warning and speak uwsgi there, so HTTP clients got nothing.
TEST(ConfigValidate, ProtocolHttpMakesSocketsHttp) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[uwsgi]\nsocket = 127.0.0.1:8000\nprotocol = http\nhttp-socket = :9000\nmodule = m\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.warnings.empty()) << testing::warning_lines(loaded.options)[0];
    EXPECT_TRUE(loaded.options.socket.empty());
    EXPECT_EQ(loaded.options.http_socket, (std::vector<std::string>{":9000", "127.0.0.1:8000"}));

    auto cli = load_valid({"--socket", ":1", "--socket-protocol=http11"});
    ASSERT_TRUE(cli.result.ok) << cli.result.error;
    EXPECT_EQ(cli.options.http_socket, std::vector<std::string>{":1"});

    auto uwsgi = load_valid({"--socket", ":1", "--protocol", "uwsgi"});
    ASSERT_TRUE(uwsgi.result.ok) << uwsgi.result.error;
    EXPECT_EQ(uwsgi.options.socket, std::vector<std::string>{":1"});
    EXPECT_TRUE(uwsgi.options.http_socket.empty());
}

// A protocol appserver cannot speak is refused when a socket would speak it; without one it is moot.
TEST(ConfigValidate, OtherProtocolsAreRefusedForSockets) {
    EXPECT_EQ(load_valid({"--socket", ":1", "--protocol", "fastcgi"}).result.error,
              "option protocol: \"fastcgi\" is not served here (socket entries speak uwsgi, or http with "
              "protocol = http); put TLS, FastCGI or SCGI in the front proxy");
    auto moot = load_valid({"--http", ":1", "--protocol", "fastcgi"});
    EXPECT_TRUE(moot.result.ok) << moot.result.error;
}

// `mount = /=app.py` as the only application serves it (uWSGI's mount loader: a .py/.wsgi file, else
// module:callable); module and wsgi-file come first and a root mount after them is skipped, as in uWSGI.
TEST(ConfigValidate, RootMountIsTheApplication) {
    TempDir dir;
    dir.write("app.py", "");
    dir.write("file.ini", "[uwsgi]\nhttp = :1\nmount = /=app.py\n");
    auto file = load({"--ini", "file.ini"});
    ASSERT_TRUE(file.result.ok) << file.result.error;
    EXPECT_EQ(file.options.wsgi_file, "app.py");
    EXPECT_TRUE(file.options.warnings.empty()) << testing::warning_lines(file.options)[0];

    auto module = load({"--http", ":1", "--mount", "=proj.wsgi:application"});
    ASSERT_TRUE(module.result.ok) << module.result.error;
    EXPECT_EQ(module.options.module, "proj.wsgi:application");

    dir.write("both.ini", "[uwsgi]\nhttp = :1\nmodule = m\nmount = /=app.py\n");
    auto both = load({"--ini", "both.ini"});
    ASSERT_TRUE(both.result.ok) << both.result.error;
    EXPECT_EQ(both.options.module, "m");
    EXPECT_EQ(both.options.wsgi_file, "");
    EXPECT_EQ(testing::warning_lines(both.options),
              std::vector<std::string>{"both.ini:4: mount /=app.py ignored: the application is already given "
                                       "by module (m), as uWSGI does (\"mountpoint already configured. skip.\")"});
}

TEST(ConfigValidate, MountsUnderAPrefixAddApplicationsAndBadOnesAreRefused) {
    TempDir dir;
    dir.write("a.py", "");
    dir.write("uwsgi.ini",
              "[uwsgi]\nhttp = :1\nchdir = %d\nmount = /app/=a.py\nmount = /api=pkg.api:app\nmount = /app=b.py\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    ASSERT_EQ(loaded.options.mounted_apps.size(), 2u);
    EXPECT_EQ(loaded.options.mounted_apps[0].mountpoint, "/app");  // the trailing slash is dropped
    EXPECT_EQ(loaded.options.mounted_apps[0].wsgi_file, "a.py");
    EXPECT_EQ(loaded.options.mounted_apps[1].mountpoint, "/api");
    EXPECT_EQ(loaded.options.mounted_apps[1].module, "pkg.api:app");
    ASSERT_EQ(testing::warning_lines(loaded.options).size(), 1u);  // /app twice: the second is skipped
    EXPECT_NE(testing::warning_lines(loaded.options)[0].find("mount /app=b.py ignored"), std::string::npos);
    dir.write("missing.ini", "[uwsgi]\nhttp = :1\nmount = /app=nowhere.py\n");
    EXPECT_NE(load({"--ini", "missing.ini"}).result.error.find("mount /app: file not found"), std::string::npos);
    EXPECT_EQ(load({"--http", ":1", "--mount", "app=a.py"}).result.error,
              "option mount: \"app=a.py\": the mountpoint must start with / (e.g. /app=app.py)");
    EXPECT_EQ(load({"--http", ":1", "--mount", "app.py"}).result.error,
              "option mount: \"app.py\" is not MOUNTPOINT=APP (e.g. /=app.py)");
    EXPECT_EQ(load({"--http", ":1", "--mount", "/=app"}).result.error,
              "option mount: \"/=app\": the application must be a .py/.wsgi file or module:callable");
}

// uWSGI's http-keepalive: on/off, or a number (0 off, 1 on, N > 1 on with an idle timeout of N s).
TEST(ConfigValidate, HttpKeepaliveTakesUwsgisValues) {
    TempDir dir;
    for (auto [text, value] : {std::pair{"true", 1}, {"on", 1}, {"1", 1}, {"false", 0}, {"0", 0}, {"30", 30}}) {
        auto loaded = load_valid({"--http-keepalive", text});
        ASSERT_TRUE(loaded.result.ok) << text << ": " << loaded.result.error;
        EXPECT_EQ(loaded.options.http_keepalive, value) << text;
    }
    dir.write("bare.ini", "[uwsgi]\nhttp = :1\nmodule = m\nhttp-keepalive\nhttp-keepalive-timeout = 7\n");
    auto bare = load({"--ini", "bare.ini"});
    ASSERT_TRUE(bare.result.ok) << bare.result.error;
    EXPECT_EQ(bare.options.http_keepalive, 1);
    EXPECT_EQ(bare.options.http_keepalive_timeout, 7);
    EXPECT_EQ(load_valid({"--http-keepalive", "sometimes"}).result.error,
              "option http-keepalive: \"sometimes\" is not a number");
}

TEST(ConfigValidate, WsgiFileMustExistRelativeToChdir) {
    TempDir dir;
    EXPECT_EQ(load({"--http", ":1", "--wsgi-file", "missing.py"}).result.error,
              "wsgi-file not found: missing.py");
    dir.write("site/app.py", "");
    EXPECT_TRUE(load({"--http", ":1", "--wsgi-file", "site/app.py"}).result.ok);
    auto in_chdir = load({"--http", ":1", "--chdir", dir.path() + "/site", "--file", "app.py"});
    ASSERT_TRUE(in_chdir.result.ok) << in_chdir.result.error;
    EXPECT_EQ(in_chdir.options.wsgi_file, "app.py");
    EXPECT_EQ(load({"--http", ":1", "--chdir", dir.path() + "/site", "--wsgi-file", "nope.py"}).result.error,
              "wsgi-file not found: " + dir.path() + "/site/nope.py");
    EXPECT_EQ(load({"--http", ":1", "--chdir", "/no/such/dir", "--module", "m"}).result.error,
              "chdir: directory not found: /no/such/dir");
}

TEST(ConfigValidate, Ranges) {
    EXPECT_EQ(load_valid({"--processes", "0"}).result.error, "option processes: must be at least 1, got 0");
    EXPECT_EQ(load_valid({"--threads", "0"}).result.error, "option threads: must be at least 1, got 0");
    EXPECT_EQ(load_valid({"--listen", "0"}).result.error, "option listen: must be at least 1, got 0");
    EXPECT_EQ(load_valid({"--http-timeout", "0"}).result.error, "option http-timeout: must be at least 1, got 0");
    EXPECT_EQ(load_valid({"--buffer-size", "100"}).result.error,
              "option buffer-size: 100 is out of range (1024 to 1048576 bytes)");
    EXPECT_EQ(load_valid({"--buffer-size", "2000000"}).result.error,
              "option buffer-size: 2000000 is out of range (1024 to 1048576 bytes)");
    EXPECT_TRUE(load_valid({"--buffer-size", "1048576"}).result.ok);
}

TEST(ConfigValidate, EnvNeedsEquals) {
    EXPECT_EQ(load_valid({"--env", "DEBUG"}).result.error, "option env: \"DEBUG\" is not NAME=VALUE");
    EXPECT_EQ(load_valid({"--env", "=x"}).result.error, "option env: \"=x\" is not NAME=VALUE");
    EXPECT_TRUE(load_valid({"--env", "EMPTY="}).result.ok);
}

TEST(ConfigValidate, ChmodSocketIsOctal) {
    EXPECT_EQ(load_valid({"--chmod-socket", "rw"}).result.error,
              "option chmod-socket: \"rw\" is not an octal mode such as 660");
    EXPECT_EQ(load_valid({"--chmod-socket=668"}).result.error,
              "option chmod-socket: \"668\" is not an octal mode such as 660");
    EXPECT_TRUE(load_valid({"--chmod-socket=0660"}).result.ok);
}

TEST(ConfigValidate, ForwardedAllowIpsAreAddressesBlocksUnixOrStar) {
    auto ok = load_valid({"--forwarded-allow-ips", "127.0.0.1 10.0.0.0/8,::1", "--forwarded-allow-ips=unix"});
    ASSERT_TRUE(ok.result.ok) << ok.result.error;
    EXPECT_EQ(ok.options.forwarded_allow_ips, (std::vector<std::string>{"127.0.0.1 10.0.0.0/8,::1", "unix"}));
    EXPECT_TRUE(load_valid({"--forwarded-allow-ips=*"}).result.ok);
    EXPECT_EQ(
        load_valid({"--forwarded-allow-ips", "127.0.0.1 localhost"}).result.error,
        "option forwarded-allow-ips: \"localhost\" is not an IP address, a CIDR block (10.0.0.0/8, with "
        "no host bits set), unix or *");
    EXPECT_FALSE(load_valid({"--forwarded-allow-ips=10.1.2.3/8"}).result.ok);
    EXPECT_FALSE(load_valid({"--forwarded-allow-ips=10.0.0.0/33"}).result.ok);
    EXPECT_TRUE(load_valid({}).options.forwarded_allow_ips.empty());  // off by default
}

TEST(ConfigValidate, ControlCommandsSkipServerChecks) {
    auto stop = load({"--stop", "/run/a.pid", "--processes", "0"});
    ASSERT_TRUE(stop.result.ok) << stop.result.error;
    EXPECT_EQ(stop.options.command, Command::stop);
}

}  // namespace
}  // namespace appserver
