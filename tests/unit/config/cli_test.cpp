// The command line as a user types it.

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace appserver {
namespace {

using testing::load;
using testing::load_valid;

TEST(ConfigCli, KeyValueAndKeyEqualsValue) {
    auto loaded = load_valid({"--processes", "4", "--threads=2", "--callable=app"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 4);
    EXPECT_EQ(loaded.options.threads, 2);
    EXPECT_EQ(loaded.options.callable, "app");
    EXPECT_EQ(loaded.options.http, std::vector<std::string>{":8000"});
    EXPECT_EQ(loaded.options.module, "app:app");
    EXPECT_EQ(loaded.options.command, Command::run);
}

TEST(ConfigCli, BooleanFlags) {
    auto on = load_valid({"--lazy-apps", "--vacuum=true", "--master=no", "--disable-logging=1"});
    ASSERT_TRUE(on.result.ok) << on.result.error;
    EXPECT_TRUE(on.options.lazy_apps);
    EXPECT_TRUE(on.options.vacuum);
    EXPECT_FALSE(on.options.master);
    EXPECT_TRUE(on.options.disable_logging);

    auto off = load_valid({"--lazy-apps=false", "--auto-procname=off"});
    ASSERT_TRUE(off.result.ok) << off.result.error;
    EXPECT_FALSE(off.options.lazy_apps);
    EXPECT_FALSE(off.options.auto_procname);
}

TEST(ConfigCli, BooleanDoesNotSwallowTheNextArgument) {
    auto loaded = load_valid({"--lazy-apps", "--processes", "3"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.lazy_apps);
    EXPECT_EQ(loaded.options.processes, 3);
}

TEST(ConfigCli, BadBooleanNamesOptionAndValue) {
    auto loaded = load_valid({"--lazy-apps=maybe"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_EQ(loaded.result.error,
              "option lazy-apps: \"maybe\" is not a boolean (use true/false, yes/no, on/off or 1/0)");
}

TEST(ConfigCli, AliasesShortFormsAndUnderscores) {
    auto loaded = load({"--http",
                        ":1",
                        "-w",
                        "proj.wsgi",
                        "-p",
                        "6",
                        "--workers",
                        "7",
                        "-b",
                        "16384",
                        "--venv",
                        "/opt/venv",
                        "--python-path",
                        "/a",
                        "--pp",
                        "/b",
                        "--pythonpath",
                        "/c",
                        "--lazy_apps",
                        "--max_requests=10"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.module, "proj.wsgi");
    EXPECT_EQ(loaded.options.processes, 7);  // later wins among command-line values
    EXPECT_EQ(loaded.options.buffer_size, 16384u);
    EXPECT_EQ(loaded.options.home, "/opt/venv");
    EXPECT_EQ(loaded.options.pythonpath, (std::vector<std::string>{"/a", "/b", "/c"}));
    EXPECT_TRUE(loaded.options.lazy_apps);
    EXPECT_EQ(loaded.options.max_requests, 10);
}

TEST(ConfigCli, WsgiAliases) {
    auto loaded = load({"--http", ":1", "--wsgi", "m"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.module, "m");
    for (const char* name : {"--virtualenv", "--pyhome", "--home"}) {
        auto home = load_valid({name, "/v"});
        ASSERT_TRUE(home.result.ok) << home.result.error;
        EXPECT_EQ(home.options.home, "/v") << name;
    }
}

TEST(ConfigCli, UnknownOptionIsAnErrorWithSuggestion) {
    auto loaded = load_valid({"--prcesses", "4"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_EQ(loaded.result.error, "unknown option --prcesses (did you mean --processes?)");

    auto far = load_valid({"--frobnicate"});
    EXPECT_EQ(far.result.error, "unknown option --frobnicate");
    auto with_value = load_valid({"--frobnicate=3"});
    EXPECT_EQ(with_value.result.error, "unknown option --frobnicate");
    auto short_opt = load_valid({"-Z"});
    EXPECT_EQ(short_opt.result.error, "unknown option -Z");
    auto single_dash = load_valid({"-processes", "4"});
    EXPECT_EQ(single_dash.result.error, "unknown option -processes (long options start with --)");
}

TEST(ConfigCli, CaseMatters) {
    auto loaded = load_valid({"--Processes", "4"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_NE(loaded.result.error.find("unknown option --Processes"), std::string::npos);
}

TEST(ConfigCli, MissingValue) {
    auto at_end = load({"--module", "m", "--http"});
    EXPECT_EQ(at_end.result.error, "option --http needs a value");
    auto before_option = load({"--http", "--module", "m"});
    EXPECT_EQ(before_option.result.error, "option --http needs a value");
}

TEST(ConfigCli, PositionalArgument) {
    auto loaded = load_valid({"serve"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_EQ(loaded.result.error,
              "unexpected argument \"serve\" (options start with --; give an ini file as --ini FILE)");
}

TEST(ConfigCli, PositionalIniFileIsRead) {
    testing::TempDir dir;
    dir.write("site.ini", "[uwsgi]\nhttp = :9000\nmodule = site.wsgi\n");
    auto loaded = load({"site.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.module, "site.wsgi");
    EXPECT_EQ(loaded.options.ini, std::vector<std::string>{"site.ini"});
}

TEST(ConfigCli, NumbersAreStrict) {
    EXPECT_EQ(load_valid({"--processes", "abc"}).result.error, "option processes: \"abc\" is not a number");
    EXPECT_EQ(load_valid({"--processes", "4x"}).result.error, "option processes: \"4x\" is not a number");
    EXPECT_EQ(load_valid({"--processes=-1"}).result.error, "option processes: \"-1\" must not be negative");
    EXPECT_EQ(load_valid({"--harakiri", "99999999999"}).result.error,
              "option harakiri: \"99999999999\" is too large (at most 2147483647)");
    EXPECT_EQ(load_valid({"--threads="}).result.error, "option threads: needs a number");
    EXPECT_EQ(load_valid({"--buffer-size", "32k"}).result.error,
              "option buffer-size: \"32k\" is not a number");
}

TEST(ConfigCli, SizesTakeLargeByteCounts) {
    auto loaded = load_valid({"--limit-post", "10000000000", "--buffer-size", "65535"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.limit_post, 10000000000ull);
    EXPECT_EQ(loaded.options.buffer_size, 65535u);
}

TEST(ConfigCli, HelpAndVersionWinOverEverythingElse) {
    EXPECT_EQ(load({"--help"}).options.command, Command::help);
    EXPECT_EQ(load({"-h"}).options.command, Command::help);
    auto noisy = load({"--prcesses", "x", "--help"});
    ASSERT_TRUE(noisy.result.ok);
    EXPECT_EQ(noisy.options.command, Command::help);
    auto version = load({"--version"});
    ASSERT_TRUE(version.result.ok);
    EXPECT_EQ(version.options.command, Command::version);
}

TEST(ConfigCli, CheckConfigValidates) {
    auto ok = load_valid({"--check-config"});
    ASSERT_TRUE(ok.result.ok) << ok.result.error;
    EXPECT_EQ(ok.options.command, Command::check_config);
    auto bad = load({"--check-config", "--http", ":1"});
    ASSERT_FALSE(bad.result.ok);
    EXPECT_EQ(bad.result.error, "no application: give --wsgi-file or --module");
}

TEST(ConfigCli, StopAndReloadTakeAPidfile) {
    auto stop = load({"--stop", "/run/app.pid"});
    ASSERT_TRUE(stop.result.ok) << stop.result.error;
    EXPECT_EQ(stop.options.command, Command::stop);
    EXPECT_EQ(stop.options.control_pidfile, "/run/app.pid");

    auto reload = load({"--reload=/run/app.pid"});
    ASSERT_TRUE(reload.result.ok) << reload.result.error;
    EXPECT_EQ(reload.options.command, Command::reload);
    EXPECT_EQ(reload.options.control_pidfile, "/run/app.pid");

    EXPECT_EQ(load({"--stop"}).result.error, "option --stop needs a value");
    EXPECT_EQ(load({"--stop", "a.pid", "--reload", "b.pid"}).result.error,
              "option --reload cannot be combined with another command");
}

TEST(ConfigCli, UnsupportedOptionWarnsOnce) {
    auto loaded = load_valid({"--route", "^/a log:a", "--route", "^/b log:b", "--stats-push", "statsd:127.0.0.1:8125"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    ASSERT_EQ(loaded.options.warnings.size(), 2u);
    EXPECT_EQ(loaded.options.warnings[0].file, "command line");
    EXPECT_EQ(loaded.options.warnings[0].message,
              "route: uWSGI option not supported here, ignored. No internal routing");
    EXPECT_EQ(loaded.options.warnings[1].message,
              "stats-push: uWSGI option not supported here, ignored. Metrics subsystem and stats pushers: not "
              "implemented; use `stats` (uwsgitop) or `stats-prometheus` (docs/observability.md)");
}

TEST(ConfigCli, NoOpsAreSilentButChecked) {
    auto loaded = load_valid({"--enable-threads", "--single-interpreter", "--thunder-lock", "--die-on-term",
                              "--plugins", "python3", "--plugin=python", "--need-app", "-T"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.warnings.empty()) << testing::warning_lines(loaded.options)[0];

    EXPECT_EQ(load_valid({"--enable-threads=perhaps"}).result.error,
              "option enable-threads: \"perhaps\" is not a boolean (use true/false, yes/no, on/off or 1/0)");
}

TEST(ConfigCli, PluginsOtherThanPythonAndHttpWarn) {
    auto loaded = load_valid({"--plugins", "python3,router_static"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    ASSERT_EQ(loaded.options.warnings.size(), 1u);
    EXPECT_EQ(loaded.options.warnings[0].message, "plugin router_static: not supported, ignored");
}

// Debian's uWSGI needs `plugins = http,python3` for `http =`; appserver serves http itself, so
// naming the plugin is no reason to warn (the corpus's keystone file, devstack's shape).
TEST(ConfigCli, HttpPluginIsBuiltIn) {
    auto loaded = load_valid({"--plugins", "http,python3", "--plugin", "http"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.warnings.empty()) << testing::warning_lines(loaded.options)[0];
}

TEST(ConfigCli, ChmodSocketWithoutValueMeans666) {
    auto loaded = load_valid({"--chmod-socket"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.chmod_socket, "666");
}

TEST(ConfigCli, FailureLeavesOptionsUntouched) {
    Options options;
    options.processes = 9;
    const char* argv[] = {"appserver", "--processes", "x", nullptr};
    ConfigResult result = load_config(3, argv, options);
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(options.processes, 9);
}

}  // namespace
}  // namespace appserver
