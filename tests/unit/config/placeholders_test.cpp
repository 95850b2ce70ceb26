// Placeholders: the expander on its own, then through real ini files.

#include "config/placeholders.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include "config_test_util.h"

namespace appserver {
namespace {

using config::expand_placeholders;
using config::PlaceholderContext;

struct Fixture {
    std::map<std::string, std::string> variables{
        {"base", "/srv/app"}, {"workers", "3"}, {"max-requests", "100"}, {"word", "abc"}};
    std::map<std::string, std::string> env{{"PORT", "9090"}, {"N", "4"}};
    PlaceholderContext context() {
        PlaceholderContext c;
        c.variables = &variables;
        c.cpu_count = 8;
        c.hostname = "box";
        c.getenv = [this](const std::string& name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end()) return std::nullopt;
            return it->second;
        };
        return c;
    }
    std::string expand(std::string_view text) { return expand_placeholders(text, context()).value; }
};

TEST(PlaceholderExpand, Environment) {
    Fixture f;
    EXPECT_EQ(f.expand(":$(PORT)"), ":9090");
    config::Expansion unset = expand_placeholders("a$(NOPE)b", f.context());
    EXPECT_EQ(unset.value, "ab");
    ASSERT_EQ(unset.warnings.size(), 1u);
    EXPECT_EQ(unset.warnings[0], "environment variable NOPE is not set; $(NOPE) is empty");
}

TEST(PlaceholderExpand, References) {
    Fixture f;
    EXPECT_EQ(f.expand("%(base)/src"), "/srv/app/src");
    EXPECT_EQ(f.expand("%(max_requests)"), "100");  // dashes and underscores alike
    config::Expansion missing = expand_placeholders("x %(nope) y", f.context());
    EXPECT_EQ(missing.value, "x %(nope) y");
    ASSERT_EQ(missing.warnings.size(), 1u);
    EXPECT_EQ(missing.warnings[0], "%(nope) is not defined (yet); kept as written");
    EXPECT_EQ(missing.referenced, std::vector<std::string>{"nope"});
}

TEST(PlaceholderExpand, MagicLetters) {
    Fixture f;
    EXPECT_EQ(f.expand("%k cpus on %h, 100%%"), "8 cpus on box, 100%");
    EXPECT_EQ(f.expand("50%"), "50%");
    EXPECT_EQ(f.expand("%x %y"), "%x %y");       // not placeholders: kept
    EXPECT_EQ(f.expand("%d/%n"), "%d/%n");       // no file: kept
    EXPECT_EQ(f.expand("%(base"), "%(base");     // unbalanced: kept
    EXPECT_EQ(f.expand("%%(base)"), "%(base)");  // escaped
}

TEST(PlaceholderExpand, FileLetters) {
    testing::TempDir dir;
    std::string path = dir.write("conf/site.ini", "");
    std::string real_dir = std::filesystem::canonical(dir.path()).string() + "/conf";
    Fixture f;
    PlaceholderContext c = f.context();
    c.file_path = path;
    EXPECT_EQ(expand_placeholders("%d", c).value, real_dir + "/");
    EXPECT_EQ(expand_placeholders("%p", c).value, real_dir + "/site.ini");
    EXPECT_EQ(expand_placeholders("/tmp/%n.pid", c).value, "/tmp/site.pid");
    // uWSGI 2.0.21 prints e=ini for %e (core/uwsgi.c: the text after the last dot).
    EXPECT_EQ(expand_placeholders("%s|%e", c).value, "site.ini|ini");
    EXPECT_EQ(expand_placeholders("%c", c).value, "conf");
    const std::filesystem::path real(real_dir);
    EXPECT_EQ(expand_placeholders("/%0", c).value, "/" + (*std::next(real.begin())).string());
    EXPECT_EQ(expand_placeholders("[%x]", c).value, "[]");  // no section named
    c.section = "prod";
    EXPECT_EQ(expand_placeholders("[%x]", c).value, "[prod]");
}

// The letters uWSGI fills from the process: %v %t %T %u %U %g %G.
TEST(PlaceholderExpand, ProcessLetters) {
    Fixture f;
    EXPECT_EQ(f.expand("%v"), std::filesystem::current_path().string());
    EXPECT_EQ(f.expand("%u:%g"), std::to_string(getuid()) + ":" + std::to_string(getgid()));
    EXPECT_FALSE(f.expand("%U").empty());
    EXPECT_EQ(f.expand("%U").find('%'), std::string::npos);
    const long long before = static_cast<long long>(time(nullptr));
    const long long t = std::stoll(f.expand("%t"));
    EXPECT_GE(t, before);
    EXPECT_LE(t, before + 5);
    EXPECT_GE(std::stoll(f.expand("%T")) / 1000000, before);
    EXPECT_EQ(f.expand("%V %j %y"), "%V %j %y");  // not supported: kept as written
}

// Debian's layout: /etc/uwsgi/apps-enabled/site.ini is a symlink to ../apps-available/site.ini.
// uWSGI 2.0.21 gives %d = .../apps-enabled/ (it realpath()s only files that are not links).
TEST(PlaceholderExpand, ASymlinkedFileKeepsTheLinksDirectory) {
    testing::TempDir dir;
    dir.write("apps-available/site.ini", "");
    std::filesystem::create_directories(std::filesystem::path(dir.path()) / "apps-enabled");
    std::filesystem::create_symlink("../apps-available/site.ini", "apps-enabled/site.ini");
    Fixture f;
    PlaceholderContext c = f.context();
    c.file_path = "apps-enabled/site.ini";
    const std::string enabled = std::filesystem::absolute("apps-enabled").string();
    EXPECT_EQ(expand_placeholders("%d", c).value, enabled + "/");
    EXPECT_EQ(expand_placeholders("%p|%c|%n", c).value, enabled + "/site.ini|apps-enabled|site");
}

TEST(PlaceholderExpand, Arithmetic) {
    Fixture f;
    EXPECT_EQ(f.expand("%(%k * 2)"), "16");
    EXPECT_EQ(f.expand("%(2 + 3 * 4)"), "14");
    EXPECT_EQ(f.expand("%((2 + 3) * 4)"), "20");
    EXPECT_EQ(f.expand("%(10 / 3)"), "3");
    EXPECT_EQ(f.expand("%(workers + 1)"), "4");
    EXPECT_EQ(f.expand("%(workers*2)"), "6");
    EXPECT_EQ(f.expand("%(max-requests - 1)"), "99");
    EXPECT_EQ(f.expand("%(-3 + 1)"), "-2");
    EXPECT_EQ(f.expand("%($(N) + 1)"), "5");  // the inside is expanded first
    EXPECT_EQ(f.expand("%(%(workers) * %k)"), "24");
}

TEST(PlaceholderExpand, BadArithmeticIsKeptWithWarning) {
    Fixture f;
    config::Expansion zero = expand_placeholders("%(1 / 0)", f.context());
    EXPECT_EQ(zero.value, "%(1 / 0)");
    ASSERT_EQ(zero.warnings.size(), 1u);
    EXPECT_EQ(zero.warnings[0], "cannot compute %(1 / 0): division by zero; kept as written");

    EXPECT_EQ(expand_placeholders("%(word + 1)", f.context()).warnings.at(0),
              "cannot compute %(word + 1): word = \"abc\" is not a number; kept as written");
    EXPECT_EQ(expand_placeholders("%(ghost * 2)", f.context()).warnings.at(0),
              "cannot compute %(ghost * 2): ghost is not defined; kept as written");
    EXPECT_EQ(expand_placeholders("%(2 +)", f.context()).warnings.at(0),
              "cannot compute %(2 +): expression ends too early; kept as written");
    EXPECT_EQ(expand_placeholders("%(9223372036854775807 + 1)", f.context()).warnings.at(0),
              "cannot compute %(9223372036854775807 + 1): overflow; kept as written");
    EXPECT_EQ(f.expand("%((1 + 2)"), "%((1 + 2)");
}

// --- through ini files

TEST(PlaceholderIni, FileDirectoryNameAndPath) {
    testing::TempDir dir;
    dir.write("app/app.py", "application = None\n");
    std::string ini = dir.write("app/uwsgi.ini",
                                "[uwsgi]\nchdir = %d\nwsgi-file = app.py\nhttp = :1\npidfile = /tmp/%n.pid\n"
                                "touch-reload = %p\n");
    auto loaded = testing::load({"--ini", "app/uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    std::string real = std::filesystem::canonical(dir.path()).string() + "/app";
    EXPECT_EQ(loaded.options.chdir, real + "/");
    EXPECT_EQ(loaded.options.pidfile, "/tmp/uwsgi.pid");
    EXPECT_EQ(loaded.options.touch_reload, std::vector<std::string>{real + "/uwsgi.ini"});
}

// %x names the section asked for (file.ini:name, ini = :name); the upper-case letters describe the
// first file, also inside an included one.
TEST(PlaceholderIni, SectionAndFirstFileLetters) {
    testing::TempDir dir;
    dir.write("app/app.py", "application = None\n");
    dir.write("common/base.ini", "[uwsgi]\nenv = INCLUDED=%n %N %X\n");
    dir.write("app/site.ini",
              "[prod]\nini = :paths\nini = ../common/base.ini\nhttp = :1\nwsgi-file = %dapp.py\n"
              "procname-prefix = %n-%x-%e\n[paths]\nenv = SECTION=%x %c\n");
    auto loaded = testing::load({"--ini", "app/site.ini:prod"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.env, (std::vector<std::string>{"SECTION=paths app", "INCLUDED=base site prod"}));
    EXPECT_EQ(loaded.options.procname_prefix, "site-prod-ini");
}

TEST(PlaceholderIni, CpuArithmeticEnvironmentAndReferences) {
    testing::TempDir dir;
    testing::ScopedEnv port("APPSERVER_TEST_PORT", "8123");
    testing::ScopedEnv unset("APPSERVER_TEST_UNSET", nullptr);
    dir.write(
        "uwsgi.ini",
        "[uwsgi]\nprocesses = %(%k * 2)\nthreads = %(processes)\nhttp-socket = :$(APPSERVER_TEST_PORT)\n"
        "module = m\nprocname-prefix = [$(APPSERVER_TEST_UNSET)]\n");
    auto loaded = testing::load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    const int cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    EXPECT_EQ(loaded.options.processes, cpus * 2);
    EXPECT_EQ(loaded.options.threads, cpus * 2);
    EXPECT_EQ(loaded.options.http_socket, std::vector<std::string>{":8123"});
    EXPECT_EQ(loaded.options.procname_prefix, "[]");
    EXPECT_TRUE(testing::has_warning(loaded.options,
                                     "uwsgi.ini:6: environment variable APPSERVER_TEST_UNSET is not set; "
                                     "$(APPSERVER_TEST_UNSET) is empty"));
}

TEST(PlaceholderIni, ExpandedAtReadTimeInFileOrder) {
    testing::TempDir dir;
    dir.write(
        "uwsgi.ini",
        "[uwsgi]\nhttp = :1\nmodule = m\nbase = /a\npythonpath = %(base)\nbase = /b\npythonpath = %(base)\n"
        "procname-prefix = %(later)\nlater = x\n");
    auto loaded = testing::load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.pythonpath, (std::vector<std::string>{"/a", "/b"}));
    EXPECT_EQ(loaded.options.procname_prefix, "%(later)");
    EXPECT_EQ(testing::warning_lines(loaded.options),
              std::vector<std::string>{"uwsgi.ini:8: %(later) is not defined (yet); kept as written"});
}

TEST(PlaceholderIni, VariablesCrossIncludes) {
    testing::TempDir dir;
    dir.write("uwsgi.ini", "[vars]\nroot = " + dir.path() +
                               "\n[uwsgi]\nini = :vars\nhttp = :1\nmodule = m\nchdir = %(root)\n");
    auto loaded = testing::load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.chdir, dir.path());
    EXPECT_TRUE(loaded.options.warnings.empty());
}

}  // namespace
}  // namespace appserver
