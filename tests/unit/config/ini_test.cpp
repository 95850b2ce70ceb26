// ini files as real uwsgi.ini files write them.

#include <gtest/gtest.h>

#include "config/ini_file.h"
#include "config_test_util.h"

namespace appserver {
namespace {

using testing::has_warning;
using testing::load;
using testing::TempDir;

TEST(IniSyntax, EverythingRealFilesContain) {
    TempDir dir;
    const std::string long_path = "/srv/" + std::string(400, 'x');
    dir.write("uwsgi.ini",
              "\xEF\xBB\xBF# deployed by ansible\n"
              "; comments before the first section\n"
              "[uwsgi]\n"
              "http = :8000\n"
              "module=proj.wsgi:application\n"
              "  processes = 4\n"
              "\tthreads=2\n"
              "master\n"
              "lazy-apps\n"
              "# a comment\n"
              "; another\n"
              "procname-prefix = web ; not a comment\n"
              "pythonpath = " +
                  long_path +
                  "\n"
                  "env = DJANGO_SETTINGS_MODULE=proj.settings\n"
                  "env = A=b=c\n"
                  "vacuum = True\r\n"
                  "harakiri = 60\r\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    const Options& o = loaded.options;
    EXPECT_EQ(o.http, std::vector<std::string>{":8000"});
    EXPECT_EQ(o.module, "proj.wsgi:application");
    EXPECT_EQ(o.processes, 4);
    EXPECT_EQ(o.threads, 2);
    EXPECT_TRUE(o.master);
    EXPECT_TRUE(o.lazy_apps);
    EXPECT_EQ(o.procname_prefix, "web ; not a comment");
    EXPECT_EQ(o.pythonpath, std::vector<std::string>{long_path});
    EXPECT_EQ(o.env, (std::vector<std::string>{"DJANGO_SETTINGS_MODULE=proj.settings", "A=b=c"}));
    EXPECT_TRUE(o.vacuum);
    EXPECT_EQ(o.harakiri, 60);
    EXPECT_EQ(o.ini, std::vector<std::string>{"uwsgi.ini"});
    // uWSGI keeps `; not a comment` in a text value; so do we, and say so once.
    ASSERT_EQ(o.warnings.size(), 1U) << testing::warning_lines(o)[0];
    EXPECT_TRUE(
        has_warning(o, "uwsgi.ini:12: procname-prefix: \"web ; not a comment\" keeps the text after"));
}

TEST(IniSyntax, AllBooleanSpellings) {
    TempDir dir;
    const std::pair<const char*, bool> cases[] = {
        {"true", true},   {"True", true},   {"TRUE", true}, {"yes", true},  {"on", true}, {"1", true},
        {"false", false}, {"False", false}, {"no", false},  {"off", false}, {"0", false}};
    for (auto [text, expected] : cases) {
        dir.write("b.ini", std::string("[uwsgi]\nhttp = :1\nmodule = m\nlazy-apps = ") + text + "\n");
        auto loaded = load({"--ini", "b.ini"});
        ASSERT_TRUE(loaded.result.ok) << text << ": " << loaded.result.error;
        EXPECT_EQ(loaded.options.lazy_apps, expected) << text;
    }
}

TEST(IniSyntax, ValueErrorsNameFileAndLine) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmaster = maybe\n");
    EXPECT_EQ(
        load({"--ini", "uwsgi.ini"}).result.error,
        "uwsgi.ini:3: option master: \"maybe\" is not a boolean (use true/false, yes/no, on/off or 1/0)");

    dir.write("uwsgi.ini", "# top\n[uwsgi]\nhttp = :1\n\nprocesses = four\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error,
              "uwsgi.ini:5: option processes: \"four\" is not a number");
}

TEST(IniSyntax, BareNonBooleanNeedsAValue) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nsocket\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error, "uwsgi.ini:2: option socket needs a value");

    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nchmod-socket\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.chmod_socket, "666");
}

TEST(IniSyntax, MalformedLinesAreErrorsWithLine) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nsocket: /tmp/app.sock\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error,
              "uwsgi.ini:3: cannot read \"socket: /tmp/app.sock\" (expected key = value)");

    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\n = :2\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error,
              "uwsgi.ini:3: cannot read \"= :2\" (expected key = value)");

    dir.write("uwsgi.ini", "[uwsgi\nhttp = :1\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error,
              "uwsgi.ini:1: section header [uwsgi has no closing ']'");
}

TEST(IniSyntax, MissingFile) {
    TempDir dir;
    EXPECT_EQ(load({"--ini", "/nonexistent/x.ini"}).result.error, "ini file not found: /nonexistent/x.ini");
    EXPECT_EQ(load({"--ini", "/nonexistent/x.ini:prod"}).result.error,
              "ini file not found: /nonexistent/x.ini");
}

TEST(IniSyntax, FileWithoutOurSections) {
    TempDir dir;
    dir.write("other.ini", "; only comments\n[server]\nport = 1\n");
    EXPECT_EQ(load({"--ini", "other.ini"}).result.error, "other.ini: no [uwsgi] or [appserver] section");
    dir.write("empty.ini", "");
    EXPECT_EQ(load({"--ini", "empty.ini"}).result.error, "empty.ini: no [uwsgi] or [appserver] section");
}

TEST(IniSyntax, AppserverSectionReadAfterUwsgi) {
    TempDir dir;
    dir.write("both.ini",
              "[appserver]\nprocesses = 3\nenv = B=2\n"
              "[uwsgi]\nhttp = :1\nmodule = m\nprocesses = 2\nenv = A=1\n");
    auto loaded = load({"--ini", "both.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 3);
    EXPECT_EQ(loaded.options.env, (std::vector<std::string>{"A=1", "B=2"}));

    dir.write("own.ini", "[appserver]\nhttp = :1\nmodule = own\n");
    auto own = load({"--ini", "own.ini"});
    ASSERT_TRUE(own.result.ok) << own.result.error;
    EXPECT_EQ(own.options.module, "own");
}

TEST(IniSyntax, NamedSectionFromCommandLine) {
    TempDir dir;
    dir.write("multi.ini",
              "[uwsgi]\nhttp = :1\nmodule = m\nprocesses = 2\n"
              "[production]\nhttp = :80\nmodule = prod\nprocesses = 16\n");
    auto loaded = load({"--ini", "multi.ini:production"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 16);
    EXPECT_EQ(loaded.options.http, std::vector<std::string>{":80"});
    EXPECT_EQ(loaded.options.ini, std::vector<std::string>{"multi.ini:production"});

    EXPECT_EQ(load({"--ini", "multi.ini:staging"}).result.error, "multi.ini: no section [staging]");
    EXPECT_EQ(load({"--ini", ":production"}).result.error,
              "--ini :production: a section alone (:name) is only valid inside an ini file");
}

TEST(IniSyntax, SpacesInSectionHeaderAndRepeatedSections) {
    TempDir dir;
    dir.write("u.ini", "[ uwsgi ]\nhttp = :1\n[other]\nx = 1\n[uwsgi]\nmodule = m\n");
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.module, "m");
}

TEST(IniSyntax, KeysOutsideSectionsAndOtherSectionsIgnored) {
    TempDir dir;
    dir.write("u.ini", "processes = 9\n[uwsgi]\nhttp = :1\nmodule = m\n[other]\nprocesses = 7\n");
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 1);
    EXPECT_TRUE(loaded.options.warnings.empty());
}

TEST(IniSyntax, ParserReportsLineNumbersOfEveryEntry) {
    config::IniDocument doc;
    std::string error;
    std::string text =
        "# c\n\n[a]\n  x = 1\nflag\n" + std::string("y = ") + std::string(1000, 'v') + "\n[b]\nz=\n";
    ASSERT_TRUE(config::parse_ini_text(text, "t.ini", doc, error)) << error;
    ASSERT_EQ(doc.entries.size(), 4u);
    EXPECT_EQ(doc.entries[0].line, 4);
    EXPECT_EQ(doc.entries[0].key, "x");
    EXPECT_EQ(doc.entries[1].line, 5);
    EXPECT_TRUE(doc.entries[1].bare);
    EXPECT_EQ(doc.entries[2].line, 6);
    EXPECT_EQ(doc.entries[2].value.size(), 1000u);
    EXPECT_EQ(doc.entries[3].line, 8);
    EXPECT_EQ(doc.entries[3].section, "b");
    EXPECT_EQ(doc.entries[3].value, "");
    EXPECT_FALSE(doc.entries[3].bare);
    EXPECT_EQ(doc.sections, (std::vector<std::string>{"a", "b"}));
}

// --- includes

TEST(IniInclude, SectionOfTheSameFile) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[base]\nmodule = m\nprocesses = 2\nenv = FROM=base\n"
              "[uwsgi]\nhttp = :1\nini = :base\nprocesses = 5\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.module, "m");
    EXPECT_EQ(loaded.options.processes, 5);  // read after the include
    EXPECT_EQ(loaded.options.env, std::vector<std::string>{"FROM=base"});
}

TEST(IniInclude, OtherFileRelativeToCwdOrToIncluder) {
    TempDir dir;
    dir.write("common.ini", "[uwsgi]\nmodule = from_cwd\n[extra]\nthreads = 3\n");
    dir.write("deploy/common.ini", "[uwsgi]\nmodule = beside\n");
    dir.write("deploy/shared.ini", "[uwsgi]\nprocesses = 6\n");
    dir.write("deploy/uwsgi.ini",
              "[uwsgi]\nhttp = :1\nini = common.ini\nini = shared.ini\nini = common.ini:extra\n");
    auto loaded = load({"--ini", "deploy/uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.module, "from_cwd");  // the current directory first, as uWSGI
    EXPECT_EQ(loaded.options.processes, 6);        // then beside the including file
    EXPECT_EQ(loaded.options.threads, 3);
}

// uWSGI's include reads a file at once (like ini =); inherit reads it after the rest, so the inherited
// values win (uWSGI 2.0.21: inherit = base.ini with processes = 4 there beats processes = 2 here).
TEST(IniInclude, IncludeAndInheritOfIniFiles) {
    TempDir dir;
    dir.write("base.ini", "[uwsgi]\nprocesses = 4\nharakiri = 11\n");
    dir.write("inc.ini", "[uwsgi]\nhttp = :1\nmodule = m\ninclude = base.ini\nprocesses = 2\n");
    auto included = load({"--ini", "inc.ini"});
    ASSERT_TRUE(included.result.ok) << included.result.error;
    EXPECT_EQ(included.options.processes, 2);
    EXPECT_EQ(included.options.harakiri, 11);
    dir.write("inh.ini", "[uwsgi]\nhttp = :1\nmodule = m\ninherit = base.ini\nprocesses = 2\n");
    auto inherited = load({"--ini", "inh.ini"});
    ASSERT_TRUE(inherited.result.ok) << inherited.result.error;
    EXPECT_EQ(inherited.options.processes, 4);
    EXPECT_EQ(inherited.options.harakiri, 11);
    EXPECT_TRUE(inherited.options.warnings.empty()) << testing::warning_lines(inherited.options)[0];
    // Another format: one "not supported" warning, nothing read.
    dir.write("json.ini", "[uwsgi]\nhttp = :1\nmodule = m\ninclude = base.json\n");
    auto json = load({"--ini", "json.ini"});
    ASSERT_TRUE(json.result.ok) << json.result.error;
    ASSERT_EQ(json.options.warnings.size(), 1u);
    EXPECT_NE(json.options.warnings[0].message.find("include: uWSGI option not supported here"), std::string::npos);
    dir.write("missing.ini", "[uwsgi]\nhttp = :1\nmodule = m\ninherit = nope.ini\n");
    EXPECT_NE(load({"--ini", "missing.ini"}).result.error.find("missing.ini:4: ini file not found"), std::string::npos)
        << load({"--ini", "missing.ini"}).result.error;
}

TEST(IniInclude, MissingIncludeNamesTheLine) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nini = nope.ini\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error, "uwsgi.ini:3: ini file not found: nope.ini");
    dir.write("uwsgi.ini", "[uwsgi]\nini = :nope\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error, "uwsgi.ini:2: uwsgi.ini: no section [nope]");
}

TEST(IniInclude, CyclesAreErrors) {
    TempDir dir;
    dir.write("loop.ini", "[uwsgi]\nini = :a\n[a]\nhttp = :1\nini = :uwsgi\n");
    EXPECT_EQ(load({"--ini", "loop.ini"}).result.error,
              "loop.ini:5: ini include cycle: loop.ini [uwsgi] is already being read");

    dir.write("a.ini", "[uwsgi]\nini = b.ini\n");
    dir.write("b.ini", "[uwsgi]\n\nini = a.ini\n");
    EXPECT_EQ(load({"--ini", "a.ini"}).result.error,
              "b.ini:3: ini include cycle: a.ini [uwsgi] is already being read");
}

TEST(IniInclude, DepthLimit) {
    TempDir dir;
    std::string text;
    for (int i = 0; i < 20; ++i)
        text += "[s" + std::to_string(i) + "]\nini = :s" + std::to_string(i + 1) + "\n";
    text += "[s20]\nhttp = :1\n[uwsgi]\nini = :s0\n";
    dir.write("deep.ini", text);
    auto loaded = load({"--ini", "deep.ini"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_NE(loaded.result.error.find("ini files nested more than 16 deep"), std::string::npos)
        << loaded.result.error;
    EXPECT_TRUE(loaded.result.error.starts_with("deep.ini:")) << loaded.result.error;
}

TEST(IniInclude, SameSectionTwiceWithoutCycleIsFine) {
    TempDir dir;
    dir.write("u.ini", "[e]\nenv = X=1\n[uwsgi]\nhttp = :1\nmodule = m\nini = :e\nini = :e\n");
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.env, (std::vector<std::string>{"X=1", "X=1"}));
}

// --- unknown, unsupported and command-line-only keys

TEST(IniUnknown, WarningNamesFileAndLine) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nprcesses = 4\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    ASSERT_EQ(loaded.options.warnings.size(), 1u);
    EXPECT_EQ(loaded.options.warnings[0].file, "uwsgi.ini");
    EXPECT_EQ(loaded.options.warnings[0].line, 4);
    EXPECT_EQ(loaded.options.warnings[0].message,
              "unknown key \"prcesses\" (did you mean \"processes\"?); kept as a variable, ignored");
    EXPECT_EQ(loaded.options.processes, 1);
}

// uWSGI skips a line without '=' silently; here a known key followed by a value is shown as meant.
TEST(IniUnknown, MissingEqualsIsShownAsMeant) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nprocesses\t4\nfrob nicate\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(has_warning(loaded.options, "uwsgi.ini:4: unknown key \"processes\t4\" (missing '='? did you "
                                            "mean \"processes = 4\"?); kept as a variable, ignored"))
        << testing::warning_lines(loaded.options)[0];
    // Not a known key before the blank: no such hint.
    EXPECT_TRUE(has_warning(loaded.options, "uwsgi.ini:5: unknown key \"frob nicate\"; kept as a variable, ignored"));
    dir.write("strict.ini", "[uwsgi]\nstrict = true\nhttp = :1\nmodule = m\nharakiri 30\n");
    EXPECT_EQ(load({"--ini", "strict.ini"}).result.error,
              "strict.ini:5: unknown key \"harakiri 30\" (missing '='? did you mean \"harakiri = 30\"?)");
}

TEST(IniUnknown, StrictMakesItAnError) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nstrict = true\nhttp = :1\nmodule = m\n\n\nprcesses = 4\n");
    EXPECT_EQ(load({"--ini", "uwsgi.ini"}).result.error,
              "uwsgi.ini:7: unknown key \"prcesses\" (did you mean \"processes\"?)");

    // strict given after the typo, or on the command line, counts too
    dir.write("late.ini", "[uwsgi]\nhttp = :1\nmodule = m\nfoo = 1\nstrict\n");
    EXPECT_EQ(load({"--ini", "late.ini"}).result.error, "late.ini:4: unknown key \"foo\"");
    dir.write("plain.ini", "[uwsgi]\nhttp = :1\nmodule = m\nfoo = 1\n");
    EXPECT_EQ(load({"--strict", "--ini", "plain.ini"}).result.error, "plain.ini:4: unknown key \"foo\"");
}

TEST(IniUnknown, VariablesUsedByPlaceholdersAreNotWarned) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[uwsgi]\nstrict = true\nproject = shop\nbase = /srv/%(project)\nhttp = :1\nmodule = m\n"
              "pythonpath = %(base)/src\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.pythonpath, std::vector<std::string>{"/srv/shop/src"});
    EXPECT_TRUE(loaded.options.warnings.empty()) << testing::warning_lines(loaded.options)[0];
}

TEST(IniUnknown, UnsupportedKeysWarnOncePerKey) {
    TempDir dir;
    dir.write(
        "uwsgi.ini",
        "[uwsgi]\nhttp = :1\nmodule = m\nroute = ^/a log:a\nroute = ^/b log:b\n"
        "socket-timeout = 2\nsocket-timeout = 3\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(testing::warning_lines(loaded.options),
              (std::vector<std::string>{
                  "uwsgi.ini:4: route: uWSGI option not supported here, ignored. No internal routing",
                  "uwsgi.ini:6: socket-timeout: uWSGI option not supported here, ignored. See `http-timeout`"}));
}

TEST(IniUnknown, NoOpsAreSilent) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[uwsgi]\nhttp = :1\nmodule = m\nplugins = python3\nenable-threads = true\nsingle-interpreter\n"
              "thunder-lock = 1\ndie-on-term = true\nneed-app = true\nharakiri-verbose = true\n"
              "ignore-sigpipe = true\nignore-write-errors = true\nlog-reopen = true\n"
              "log-master = true\nmaster = true\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.warnings.empty()) << testing::warning_lines(loaded.options)[0];

    dir.write("p.ini", "[uwsgi]\nhttp = :1\nmodule = m\nplugins = http,python3\nplugin = router_static\n");
    auto plugin = load({"--ini", "p.ini"});
    ASSERT_TRUE(plugin.result.ok) << plugin.result.error;
    EXPECT_TRUE(has_warning(plugin.options, "p.ini:5: plugin router_static: not supported, ignored"));
    EXPECT_EQ(plugin.options.warnings.size(), 1u) << testing::warning_lines(plugin.options)[0];
}

TEST(IniUnknown, CommandsAreCommandLineOnly) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nstop = /tmp/x.pid\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.command, Command::run);
    EXPECT_TRUE(has_warning(loaded.options, "uwsgi.ini:4: stop: only valid on the command line, ignored"));
}

TEST(IniUnknown, UnderscoresAndSingleLetters) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nwsgi_file = app.py\nmax_requests = 5\np = 4\n");
    dir.write("app.py", "application = None\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.wsgi_file, "app.py");
    EXPECT_EQ(loaded.options.max_requests, 5);
    EXPECT_EQ(loaded.options.processes, 1);  // one-letter names are command-line short forms only
    EXPECT_TRUE(has_warning(loaded.options, "uwsgi.ini:5: unknown key \"p\""));
}

// A failed load keeps the warnings gathered before it: `wsgi-file haha.py` (no '=') is an unknown key,
// and that warning is what explains "no application".
TEST(IniFailure, WarningsGatheredSoFarComeWithTheError) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :8000\nwsgi-file haha.py\nmax-requests = 10 # x\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_NE(loaded.result.error.find("no application"), std::string::npos) << loaded.result.error;
    std::vector<std::string> lines;
    for (const ConfigWarning& w : loaded.result.warnings)
        lines.push_back(w.file + ":" + std::to_string(w.line) + ": " + w.message);
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0],
              "uwsgi.ini:4: max-requests: inline comment ignored, the value read is \"10\" (uWSGI has "
              "no inline comments; put the comment on a line of its own)");
    EXPECT_EQ(lines[1],
              "uwsgi.ini:3: unknown key \"wsgi-file haha.py\" (missing '='? did you mean \"wsgi-file = "
              "haha.py\"?); kept as a variable, ignored");

    // A failure in the middle of reading: the unknown keys read before it are judged too.
    dir.write("mid.ini", "[uwsgi]\nwsgi-file app.py\nprocesses = many\n");
    loaded = load({"--ini", "mid.ini"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_NE(loaded.result.error.find("mid.ini:3: option processes"), std::string::npos)
        << loaded.result.error;
    ASSERT_EQ(loaded.result.warnings.size(), 1U);
    EXPECT_EQ(loaded.result.warnings[0].line, 2);
}

}  // namespace
}  // namespace appserver
