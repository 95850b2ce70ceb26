// Config logic in ini files (if-*/else/endif, for/endfor, print) and uWSGI's lenient values
// (inline comments after numbers, booleans and text), as real uwsgi.ini files use them.

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace appserver {
namespace {

using testing::has_warning;
using testing::load;
using testing::ScopedEnv;
using testing::TempDir;

using Strings = std::vector<std::string>;

// An ini with a valid app and socket, plus `body`.
std::string ini(const std::string& body) { return "[uwsgi]\nmodule = app:app\nhttp = :8000\n" + body; }

TEST(IniLogic, IfEnvUsesTheValueAndTheNameEqualsValueForm) {
    TempDir dir;
    ScopedEnv set("CFGLOGIC_SET", "prod");
    ScopedEnv empty("CFGLOGIC_EMPTY", "");
    ScopedEnv unset("CFGLOGIC_UNSET", nullptr);
    dir.write("u.ini", ini("if-env = CFGLOGIC_SET\n"
                           "print = set to %(_)\n"
                           "endif =\n"
                           "if-env = CFGLOGIC_EMPTY\n"  // set but empty: true, as uWSGI's getenv()
                           "print = empty [%(_)]\n"
                           "endif\n"
                           "if-env = CFGLOGIC_UNSET\n"
                           "print = never\n"
                           "endif =\n"
                           "ifenv = CFGLOGIC_SET=prod\n"
                           "print = is prod\n"
                           "endif =\n"
                           "if-env = CFGLOGIC_SET=dev\n"
                           "print = never dev\n"
                           "endif =\n"
                           "if-not-env = CFGLOGIC_UNSET\n"
                           "print = unset\n"
                           "endif =\n"
                           "if-not-env = CFGLOGIC_SET=dev\n"
                           "print = not dev but %(_)\n"
                           "end =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.print,
              (Strings{"set to prod", "empty []", "is prod", "unset", "not dev but prod"}));
}

// Files written for Debian's uWSGI guard router settings with `if-plugin = http`; appserver has the
// http plugin built in, as it has python.
TEST(IniLogic, IfPluginIsTrueForTheBuiltInPythonAndHttp) {
    TempDir dir;
    dir.write("u.ini", ini("if-plugin = python3\nprint = python\nendif =\n"
                           "if-plugin = http\nprint = http\nendif =\n"
                           "if-plugin = router_static\nprint = never\nendif =\n"
                           "if-not-plugin = http\nprint = never\nendif =\n"
                           "if-not-plugin = cheaper_busyness\nprint = no busyness\nendif =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.print, (Strings{"python", "http", "no busyness"}));
}

TEST(IniLogic, FileTestsGiveThePathAsUnderscore) {
    TempDir dir;
    dir.write("sub/f.txt", "x");
    dir.write("u.ini", ini("base = " + dir.path() +
                           "\n"
                           "if-exists = %(base)/sub\n"  // expanded first (uWSGI tests it literally)
                           "pythonpath = %(_)\n"
                           "endif =\n"
                           "if-not-exists = %(base)/missing\n"
                           "print = no %(_)\n"
                           "endif =\n"
                           "if-exists = %(base)/missing\n"
                           "pythonpath = never\n"
                           "endif =\n"
                           "if-file = sub/f.txt\n"
                           "print = file %(_)\n"
                           "endif =\n"
                           "if-file = sub\n"
                           "print = never a file\n"
                           "endif =\n"
                           "if-not-file = sub\n"
                           "print = not a file\n"
                           "endif =\n"
                           "if-dir = sub\n"
                           "print = dir\n"
                           "endif =\n"
                           "if-directory = sub/f.txt\n"
                           "print = never a dir\n"
                           "endif =\n"
                           "if-not-dir = sub/f.txt\n"
                           "print = not a dir\n"
                           "endif =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.pythonpath, Strings{dir.path() + "/sub"});
    EXPECT_EQ(loaded.options.print,
              (Strings{"no " + dir.path() + "/missing", "file sub/f.txt", "not a file", "dir", "not a dir"}));
}

TEST(IniLogic, IfOptSeesKeysSetEarlier) {
    TempDir dir;
    dir.write("u.ini", ini("stage = prod\n"
                           "if-opt = stage\n"
                           "print = stage %(_)\n"
                           "endif =\n"
                           "if-opt = stage=prod\n"
                           "processes = 4\n"
                           "endif =\n"
                           "if-opt = stage=dev\n"
                           "processes = 1\n"
                           "endif =\n"
                           "if-not-opt = debug\n"
                           "print = no debug\n"
                           "endif =\n"
                           "if-opt = later\n"  // set below: not yet
                           "print = never\n"
                           "endif =\n"
                           "later = 1\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 4);
    EXPECT_EQ(loaded.options.print, (Strings{"stage prod", "no debug"}));
    // A key used by if-opt is a variable on purpose: no "unknown key" warning.
    EXPECT_FALSE(has_warning(loaded.options, "unknown key \"stage\""));
}

TEST(IniLogic, ElseTakesTheOtherBranch) {
    TempDir dir;
    ScopedEnv unset("CFGLOGIC_UNSET", nullptr);
    dir.write("u.ini", ini("if-env = CFGLOGIC_UNSET\n"
                           "processes = 8\n"
                           "else =\n"
                           "processes = 2\n"
                           "endif =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 2);
}

TEST(IniLogic, ForRepeatsEachLineForEveryWordInUwsgiOrder) {
    TempDir dir;
    dir.write("u.ini",
              "[uwsgi]\nmodule = app:app\n"
              "for = 8001  8002\n"  // several spaces are one separator
              "http = 127.0.0.1:%(_)\n"
              "print = port %(_)\n"
              "endfor =\n"
              "for-times = 2\n"
              "print = time %(_)\n"
              "endfor\n");
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.http, (Strings{"127.0.0.1:8001", "127.0.0.1:8002"}));
    // uWSGI repeats line by line: every item of the first line, then of the second.
    EXPECT_EQ(loaded.options.print, (Strings{"port 8001", "port 8002", "time 1", "time 2"}));
}

TEST(IniLogic, ForGlobAndReadline) {
    TempDir dir;
    dir.write("conf/a.ini", "x");
    dir.write("conf/b.ini", "x");
    dir.write("list.txt", "one\ntwo\n");
    dir.write("u.ini", ini("for-glob = conf/*.ini\n"
                           "print = glob %(_)\n"
                           "endfor =\n"
                           "for-readline = list.txt\n"
                           "print = line %(_)\n"
                           "endfor =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.print, (Strings{"glob conf/a.ini", "glob conf/b.ini", "line one", "line two"}));

    // Not a regular file (it would never end): the block is skipped, with a warning.
    dir.write("z.ini", ini("for-readline = /dev/zero\nprint = never\nendfor =\n"));
    loaded = load({"--ini", "z.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.print.empty());
    EXPECT_TRUE(
        has_warning(loaded.options, "z.ini:4: for-readline: cannot read /dev/zero as a regular file"));
}

TEST(IniLogic, BlocksNestAndInnerUnderscoreWins) {
    TempDir dir;
    dir.write("sub/x", "");
    ScopedEnv unset("CFGLOGIC_UNSET", nullptr);
    ScopedEnv set("CFGLOGIC_SET", "yes");
    dir.write("u.ini", ini("for = sub nothere\n"
                           "if-exists = %(_)\n"  // evaluated per item
                           "print = exists %(_)\n"
                           "endif =\n"
                           "print = item %(_)\n"
                           "endfor =\n"
                           "if-env = CFGLOGIC_UNSET\n"  // false: nothing inside is tested or applied
                           "if-env = CFGLOGIC_SET\n"
                           "print = never\n"
                           "endif =\n"
                           "print = never either\n"
                           "endif =\n"
                           "if-env = CFGLOGIC_SET\n"
                           "for = a b\n"
                           "print = %(_)\n"
                           "endfor =\n"
                           "print = outer %(_)\n"
                           "endif =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.print,
              (Strings{"exists sub", "item sub", "item nothere", "a", "b", "outer yes"}));
}

TEST(IniLogic, SkippedLinesAreNotRead) {
    TempDir dir;
    ScopedEnv unset("CFGLOGIC_UNSET", nullptr);
    dir.write("u.ini", ini("if-env = CFGLOGIC_UNSET\n"
                           "processes = not-a-number\n"
                           "ini = missing.ini\n"
                           "typo-key = 1\n"
                           "endif =\n"));
    auto loaded = load({"--ini", "u.ini", "--strict"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 1);
}

TEST(IniLogic, IncludesInsideBlocks) {
    TempDir dir;
    dir.write("extra.ini", "[uwsgi]\nprocesses = 3\n");
    dir.write("u.ini", ini("if-exists = extra.ini\n"
                           "ini = %(_)\n"
                           "endif =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 3);
}

struct BadBlock {
    const char* body;
    const char* error;
};

TEST(IniLogic, UnterminatedAndStrayBlocksNameFileAndLine) {
    const BadBlock cases[] = {
        {"if-env = HOME\nprint = x\n",
         "u.ini:4: if-env block is not closed (no endif before the end of the section)"},
        {"for = a b\nprint = x\n", "u.ini:4: for block is not closed (no endfor"},
        {"if-env = HOME\nfor = a\nendif =\n", "u.ini:6: endif cannot close the for block opened on line 5"},
        {"print = x\nendif =\n", "u.ini:5: endif without an open block"},
        {"endfor\n", "u.ini:4: endfor without an open block"},
        {"else =\n", "u.ini:4: else without an open if-* block"},
        {"for = a\nelse =\nendfor =\n", "u.ini:5: else without an open if-* block"},
        {"if-dir = /\nelse =\nelse =\nendif =\n",
         "u.ini:6: else without an open if-* block (this if already has an else)"},
        {"for-times = lots\nendfor =\n", "u.ini:4: for-times needs a count"},
        {"for-times = 1000\nfor-times = 1000\nendfor =\nendfor =\n",
         "u.ini:5: for-times would repeat its lines more than 100000 times"},
    };
    for (const BadBlock& c : cases) {
        TempDir dir;
        dir.write("u.ini", ini(c.body));
        auto loaded = load({"--ini", "u.ini"});
        EXPECT_FALSE(loaded.result.ok) << c.body;
        EXPECT_NE(loaded.result.error.find(c.error), std::string::npos) << loaded.result.error;
    }
}

TEST(IniLogic, BlocksEndWithTheirSection) {
    TempDir dir;
    dir.write("u.ini", ini("if-env = HOME\nprint = x\n") + "[other]\nendif =\n");
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_NE(loaded.result.error.find("u.ini:4: if-env block is not closed"), std::string::npos)
        << loaded.result.error;
}

TEST(IniLogic, CommandLineRefusesLogicButPrints) {
    auto logic = testing::load_valid({"--if-env", "HOME"});
    ASSERT_FALSE(logic.result.ok);
    EXPECT_NE(logic.result.error.find("if-env: config logic (if-*, else, endif, for, endfor) is read in ini "
                                      "files only"),
              std::string::npos)
        << logic.result.error;
    auto print = testing::load_valid({"--print", "hello"});
    ASSERT_TRUE(print.result.ok) << print.result.error;
    EXPECT_EQ(print.options.print, Strings{"hello"});
}

// --- lenient values

TEST(IniLenientValues, InlineCommentAfterNumberOrBooleanIsDroppedWithOneWarning) {
    TempDir dir;
    dir.write("u.ini", ini("max-requests = 1000   # restart often\n"
                           "master = true ; comment\n"
                           "vacuum = false\t# cleanup off\n"
                           "limit-post = 4096 ;bytes\n"
                           "harakiri = 30#no blank: not a comment\n"));
    auto loaded = load({"--ini", "u.ini"});
    // `30#...` has no blank before '#': it stays in the value and is refused, as before.
    ASSERT_FALSE(loaded.result.ok);
    EXPECT_NE(
        loaded.result.error.find("u.ini:8: option harakiri: \"30#no blank: not a comment\" is not a number"),
        std::string::npos)
        << loaded.result.error;

    dir.write("u.ini", ini("max-requests = 1000   # restart often\n"
                           "master = true ; comment\n"
                           "vacuum = false\t# cleanup off\n"
                           "limit-post = 4096 ;bytes\n"));
    loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    const Options& o = loaded.options;
    EXPECT_EQ(o.max_requests, 1000);
    EXPECT_TRUE(o.master);
    EXPECT_FALSE(o.vacuum);
    EXPECT_EQ(o.limit_post, 4096U);
    EXPECT_TRUE(has_warning(o, "u.ini:4: max-requests: inline comment ignored, the value read is \"1000\""));
    EXPECT_TRUE(has_warning(o, "u.ini:5: master: inline comment ignored, the value read is \"true\""));
    EXPECT_TRUE(has_warning(o, "u.ini:6: vacuum: inline comment ignored, the value read is \"false\""));
    EXPECT_TRUE(has_warning(o, "note that uWSGI reads \"false\t# cleanup off\" as true"));
    EXPECT_TRUE(has_warning(o, "u.ini:7: limit-post: inline comment ignored"));
    EXPECT_EQ(o.warnings.size(), 4U);
}

TEST(IniLenientValues, TextKeepsTheCommentAsUwsgiDoesWithAWarning) {
    TempDir dir;
    dir.write("u.ini", ini("procname-prefix = web # the prefix\n"
                           "pythonpath = /srv/a ; b\n"
                           "env = A=b#c\n"  // no blank before '#': plain text, no warning
                           "base = /srv # a variable, not an option: no warning\n"
                           "chdir2 = %(base)\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    const Options& o = loaded.options;
    EXPECT_EQ(o.procname_prefix, "web # the prefix");
    EXPECT_EQ(o.pythonpath, Strings{"/srv/a ; b"});
    EXPECT_EQ(o.env, Strings{"A=b#c"});
    EXPECT_TRUE(has_warning(o,
                            "u.ini:4: procname-prefix: \"web # the prefix\" keeps the text after # or ; as "
                            "part of the value, as uWSGI does"));
    EXPECT_TRUE(has_warning(o, "u.ini:5: pythonpath: \"/srv/a ; b\" keeps the text after # or ;"));
    EXPECT_FALSE(has_warning(o, "u.ini:6:"));
    EXPECT_FALSE(has_warning(o, "u.ini:7: base"));
}

TEST(IniLenientValues, OneWarningPerLineInsideALoop) {
    TempDir dir;
    dir.write("u.ini", ini("for = a b c\n"
                           "processes = 2 # per item\n"
                           "endfor =\n"));
    auto loaded = load({"--ini", "u.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.processes, 2);
    EXPECT_EQ(loaded.options.warnings.size(), 1U);
}

}  // namespace
}  // namespace appserver
