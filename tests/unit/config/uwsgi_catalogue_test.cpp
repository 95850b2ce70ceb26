// The uWSGI catalogue: every option name uWSGI 2.0 lists (tests/data/uwsgi-2.0-options.txt, written by
// scripts/uwsgi_option_list.py from `uwsgi --plugin PLUGINS --help`, PLUGINS being those pip's uWSGI
// build has built in) is a known key here, and the long tail is warned about as unsupported, never as
// unknown.

#include "config/uwsgi_catalogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "appserver/config.h"
#include "config/option_table.h"
#include "config_test_util.h"

namespace appserver {
namespace {

using namespace config;
using testing::load;
using testing::TempDir;
using testing::warning_lines;

struct UwsgiOption {
    std::string name;
    std::string short_alias;
    std::string description;
};

std::vector<UwsgiOption> uwsgi_options() {
    std::ifstream in(APPSERVER_SOURCE_DIR "/tests/data/uwsgi-2.0-options.txt");
    std::vector<UwsgiOption> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        UwsgiOption option;
        std::getline(fields, option.name, '\t');
        std::getline(fields, option.short_alias, '\t');
        std::getline(fields, option.description);
        out.push_back(option);
    }
    return out;
}

TEST(UwsgiCatalogue, TheListIsThere) {
    // uWSGI 2.0.21 with the plugins of its pip build lists 1017 names; a short read means a broken file.
    EXPECT_GT(uwsgi_options().size(), 1000u);
}

TEST(UwsgiCatalogue, EveryUwsgiNameIsKnown) {
    std::map<std::string_view, int> by_status;
    for (const UwsgiOption& option : uwsgi_options()) {
        const OptionSpec* spec = find_option(option.name);
        EXPECT_NE(spec, nullptr) << option.name << " (" << option.description
                                 << ") is not in the option table: add it to src/config/uwsgi_catalogue.cpp";
        if (spec) ++by_status[status_name(spec->status)];
    }
    // The counts in the docs' words, for the record (shown with --gtest_also_run_disabled_tests -v).
    std::cout << "uWSGI names: implemented " << by_status["implemented"] << ", no-op " << by_status["no-op"]
              << ", unsupported " << by_status["unsupported"] << "\n";
}

// uWSGI's one-letter forms mean the same option here wherever appserver has the letter. uWSGI gives
// one letter to every alias of an option (-p: processes, workers), so any of them will do.
TEST(UwsgiCatalogue, ShortFormsAgreeWithUwsgi) {
    std::map<char, std::set<std::string>> names_by_letter;
    for (const UwsgiOption& option : uwsgi_options()) {
        if (option.short_alias.size() == 1) names_by_letter[option.short_alias[0]].insert(option.name);
    }
    EXPECT_GT(names_by_letter.size(), 25u);
    for (const auto& [letter, names] : names_by_letter) {
        const OptionSpec* spec = find_short_option(letter);
        ASSERT_NE(spec, nullptr) << "-" << letter << " (uWSGI: " << *names.begin() << ") is not known";
        bool same = names.count(std::string(spec->name)) > 0;
        for (std::string_view alias : option_aliases(*spec)) same = same || names.count(std::string(alias));
        EXPECT_TRUE(same) << "-" << letter << " is --" << *names.begin() << " in uWSGI but --" << spec->name
                          << " here";
    }
}

// No invented names: every catalogue row is a name uWSGI lists, and none repeats option_table.cpp's.
TEST(UwsgiCatalogue, RowsAreRealUwsgiNames) {
    std::set<std::string> listed;
    for (const UwsgiOption& option : uwsgi_options()) listed.insert(normalize_key(option.name));
    std::string_view previous;
    for (const CatalogueEntry& entry : uwsgi_catalogue()) {
        EXPECT_TRUE(listed.count(std::string(entry.name))) << entry.name;
        EXPECT_LT(previous, entry.name) << "keep the catalogue sorted: " << entry.name;
        previous = entry.name;
        const OptionSpec* spec = find_option(entry.name);
        ASSERT_NE(spec, nullptr) << entry.name;
        EXPECT_EQ(spec->group, OptionGroup::uwsgi_other) << entry.name << " is also in option_table.cpp";
        EXPECT_EQ(spec->status, OptionStatus::unsupported) << entry.name;
        EXPECT_FALSE(entry.note.empty()) << entry.name;
    }
}

TEST(UwsgiCatalogue, LongTailKeysWarnOnceWithFileLineAndNote) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[uwsgi]\nhttp = :1\nmodule = m\nmule-harakiri = 30\nmule-harakiri = 60\nthunder-lock\n"
              "route = ^/old redirect:/new\nspooler-import = tasks.py\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(warning_lines(loaded.options),
              (std::vector<std::string>{
                  "uwsgi.ini:4: mule-harakiri: uWSGI option not supported here, ignored. This key of the uwsgi module's "
                  "subsystems (spooler, mules, signals, cache, locks) is not built; docs/uwsgi-api.md lists "
                  "what is",
                  "uwsgi.ini:7: route: uWSGI option not supported here, ignored. No internal routing",
                  "uwsgi.ini:8: spooler-import: uWSGI option not supported here, ignored. This key of the uwsgi module's "
                  "subsystems (spooler, mules, signals, cache, locks) is not built; docs/uwsgi-api.md lists "
                  "what is"}));
}

// pip's uWSGI (what most projects run) has plugins built in that Debian ships apart: their keys are
// real uWSGI keys too (kobotoolbox's cheaper-busyness-*, gevent = 100), so strict accepts them and
// they are warned about as unsupported, not as unknown or typos.
TEST(UwsgiCatalogue, KeysOfThePipBuildsBuiltInPluginsAreKnown) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[uwsgi]\nstrict = true\nhttp = :1\nmodule = m\ncheaper-algo = busyness\n"
              "cheaper-busyness-multiplier = 20\ncheaper-busyness-backlog-step = 2\ngevent = 100\n"
              "fastrouter = 127.0.0.1:3017\ncarbon = 127.0.0.1:2003\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    std::vector<std::string> keys;
    for (const std::string& line : warning_lines(loaded.options)) {
        EXPECT_NE(line.find(": uWSGI option not supported here, ignored. "), std::string::npos) << line;
        keys.push_back(line.substr(line.find(": ") + 2, line.find(": uWSGI") - line.find(": ") - 2));
    }
    EXPECT_EQ(keys,
              (std::vector<std::string>{"cheaper-busyness-multiplier", "cheaper-busyness-backlog-step", "gevent",
                                        "fastrouter", "carbon"}));  // cheaper-algo itself is built (docs/processes.md)
    EXPECT_NE(warning_lines(loaded.options)[2].find("gevent: uWSGI option not supported here, ignored. No "
                                                    "coroutine loop engines"),
              std::string::npos);
}

// The key as written is named, so `add_header` (underscores, as some configs write it) is recognisable.
TEST(UwsgiCatalogue, TheWarningNamesTheKeyAsWritten) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nemperor_stats = :1\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    ASSERT_EQ(loaded.options.warnings.size(), 1u);
    EXPECT_EQ(loaded.options.warnings[0].message,
              "emperor_stats: uWSGI option not supported here, ignored. No Emperor, Legion, Zerg or "
              "subscriptions: run one appserver per application under systemd");
}

TEST(UwsgiCatalogue, StrictRefusesUnknownKeysOnly) {
    TempDir dir;
    dir.write("ok.ini",
              "[uwsgi]\nstrict = true\nhttp = :1\nmodule = m\nmule-harakiri = 3\ncache2 = name=c,items=10\n"
              "disable-write-exception\n");
    auto ok = load({"--ini", "ok.ini"});
    ASSERT_TRUE(ok.result.ok) << ok.result.error;
    EXPECT_EQ(ok.options.warnings.size(), 2u);  // cache2 is implemented: no warning

    dir.write("typo.ini", "[uwsgi]\nstrict = true\nhttp = :1\nmodule = m\nmule = t.py\nmulle = t.py\n");
    // `mule` is implemented now: a typo of it is corrected.
    EXPECT_EQ(load({"--ini", "typo.ini"}).result.error, "typo.ini:6: unknown key \"mulle\" (did you mean \"mule\"?)");
    EXPECT_EQ(load({"--strict", "--ini", "typo.ini"}).result.error,
              "typo.ini:6: unknown key \"mulle\" (did you mean \"mule\"?)");
}

// A real uWSGI key is no longer taken for a typo of another one (`mule-harakiri` is not "did you mean
// ...?"); typos of names that do something are still corrected.
TEST(UwsgiCatalogue, SuggestionsOnlyForNamesUwsgiDoesNotKnow) {
    TempDir dir;
    dir.write("uwsgi.ini", "[uwsgi]\nhttp = :1\nmodule = m\nmule-harakiri = 3\nprcesses = 2\nfoo = 1\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    const auto lines = warning_lines(loaded.options);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].find("uwsgi.ini:4: mule-harakiri: uWSGI option not supported here"), 0u) << lines[0];
    EXPECT_EQ(
        lines[1],
        "uwsgi.ini:5: unknown key \"prcesses\" (did you mean \"processes\"?); kept as a variable, ignored");
    EXPECT_EQ(lines[2], "uwsgi.ini:6: unknown key \"foo\"; kept as a variable, ignored");

    EXPECT_EQ(load({"--http", ":1", "--module", "m", "--mule-harakri"}).result.error,
              "unknown option --mule-harakri");
    EXPECT_EQ(load({"--http", ":1", "--module", "m", "--prcesses", "2"}).result.error,
              "unknown option --prcesses (did you mean --processes?)");
}

TEST(UwsgiCatalogue, CommandLineTakesLongTailKeysWithOrWithoutValue) {
    auto loaded = load({"--mule-harakiri", "3", "--http", ":1", "--lazy", "--disable-write-exception", "--module", "m",
                        "-Q", "/var/spool/app", "--cache2=name=c,items=1"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_EQ(loaded.options.http, std::vector<std::string>{":1"});
    EXPECT_EQ(loaded.options.module, "m");
    EXPECT_TRUE(loaded.options.lazy_apps);  // uWSGI's `lazy` is lazy-apps
    std::vector<std::string> keys;
    for (const ConfigWarning& w : loaded.options.warnings)
        keys.push_back(w.message.substr(0, w.message.find(':')));
    EXPECT_EQ(keys, (std::vector<std::string>{"mule-harakiri", "disable-write-exception"}));
    EXPECT_EQ(loaded.options.spooler, std::vector<std::string>{"/var/spool/app"});  // -Q is built now
}

// uWSGI keys asking for what appserver always does are silent no-ops, not warnings.
TEST(UwsgiCatalogue, KeysForWhatAppserverAlwaysDoesAreSilent) {
    TempDir dir;
    dir.write("uwsgi.ini",
              "[uwsgi]\nhttp = :1\nmodule = m\nno-orphans = true\nclose-on-exec\nclose-on-exec2 = true\n"
              "tcp-nodelay = 1\nlazy = true\nchmod = 660\n");
    auto loaded = load({"--ini", "uwsgi.ini"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    EXPECT_TRUE(loaded.options.warnings.empty()) << warning_lines(loaded.options)[0];
    EXPECT_TRUE(loaded.options.lazy_apps);
    EXPECT_EQ(loaded.options.chmod_socket, "660");
}

TEST(UwsgiCatalogue, HelpSummarisesTheLongTail) {
    const std::string help = render_help();
    EXPECT_NE(help.find("Every other uWSGI 2.0 key (" + std::to_string(uwsgi_catalogue().size()) + " more)"),
              std::string::npos)
        << help;
    EXPECT_EQ(help.find("emperor"), std::string::npos);  // not hundreds of names
    // Bounded (a line per implemented key; issues 12 and 13 add a few dozen), not hundreds of names.
    EXPECT_LT(std::count(help.begin(), help.end(), '\n'), 250);
}

TEST(UwsgiCatalogue, DocsListEveryLongTailNameUnderItsNote) {
    const std::string md = render_options_markdown();
    for (std::string_view note : uwsgi_catalogue_notes()) {
        std::string head(note);
        head[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(head[0])));
        EXPECT_NE(md.find("- **" + head + ".**"), std::string::npos) << note;
    }
    EXPECT_NE(md.find("`sharedarea` (`-A`)"), std::string::npos);
}

}  // namespace
}  // namespace appserver
