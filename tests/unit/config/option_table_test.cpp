// The table itself, --help and docs/options.md.

#include "config/option_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "appserver/config.h"
#include "config/ini_logic.h"

namespace appserver {
namespace {

using namespace config;

// The member pointer's type must be what the kind parses into.
bool field_matches_kind(const OptionSpec& spec) {
    switch (spec.kind) {
        case OptionKind::string: return std::holds_alternative<std::string Options::*>(spec.field);
        case OptionKind::integer:
        case OptionKind::toggle: return std::holds_alternative<int Options::*>(spec.field);
        case OptionKind::size: return std::holds_alternative<std::uint64_t Options::*>(spec.field);
        case OptionKind::boolean: return std::holds_alternative<bool Options::*>(spec.field);
        case OptionKind::list: return std::holds_alternative<std::vector<std::string> Options::*>(spec.field);
    }
    return false;
}

TEST(OptionTable, FieldsMatchKindsAndStatuses) {
    for (const OptionSpec& spec : option_table()) {
        const bool stored = !std::holds_alternative<std::monostate>(spec.field);
        if (stored) {
            EXPECT_TRUE(field_matches_kind(spec)) << spec.name;
        }
        if (spec.status == OptionStatus::unsupported || spec.command != Command::run) {
            EXPECT_FALSE(stored) << spec.name;
        }
        if (spec.status == OptionStatus::implemented) {
            EXPECT_TRUE(stored || spec.command != Command::run || config::is_logic_key(spec.name))
                << spec.name;
        }
        EXPECT_FALSE(spec.help.empty() && spec.note.empty()) << spec.name;
    }
}

TEST(OptionTable, NamesAndAliasesAreUnique) {
    std::set<std::string_view> seen;
    for (const OptionSpec& spec : option_table()) {
        EXPECT_TRUE(seen.insert(spec.name).second) << spec.name;
        EXPECT_EQ(spec.name.find('_'), std::string_view::npos) << spec.name;
        for (std::string_view alias : option_aliases(spec)) EXPECT_TRUE(seen.insert(alias).second) << alias;
    }
}

TEST(OptionTable, EveryKeyOfTheIssueIsThere) {
    const std::pair<const char*, OptionStatus> expected[] = {
        {"ini", OptionStatus::implemented},
        {"strict", OptionStatus::implemented},
        {"http", OptionStatus::implemented},
        {"http-socket", OptionStatus::implemented},
        {"socket", OptionStatus::implemented},
        {"listen", OptionStatus::implemented},
        {"chmod-socket", OptionStatus::implemented},
        {"wsgi-file", OptionStatus::implemented},
        {"file", OptionStatus::implemented},
        {"module", OptionStatus::implemented},
        {"wsgi", OptionStatus::implemented},
        {"callable", OptionStatus::implemented},
        {"chdir", OptionStatus::implemented},
        {"home", OptionStatus::implemented},
        {"venv", OptionStatus::implemented},
        {"virtualenv", OptionStatus::implemented},
        {"pyhome", OptionStatus::implemented},
        {"pythonpath", OptionStatus::implemented},
        {"python-path", OptionStatus::implemented},
        {"pp", OptionStatus::implemented},
        {"env", OptionStatus::implemented},
        {"lazy-apps", OptionStatus::implemented},
        {"master", OptionStatus::no_op},
        {"processes", OptionStatus::implemented},
        {"workers", OptionStatus::implemented},
        {"threads", OptionStatus::implemented},
        {"buffer-size", OptionStatus::implemented},
        {"disable-logging", OptionStatus::implemented},
        {"auto-procname", OptionStatus::implemented},
        {"procname-prefix", OptionStatus::implemented},
        {"pidfile", OptionStatus::implemented},
        {"daemonize", OptionStatus::implemented},
        {"logto", OptionStatus::implemented},
        {"vacuum", OptionStatus::implemented},
        {"py-autoreload", OptionStatus::implemented},
        {"touch-reload", OptionStatus::implemented},
        {"max-requests", OptionStatus::implemented},
        {"max-requests-delta", OptionStatus::implemented},
        {"reload-on-rss", OptionStatus::implemented},
        {"harakiri", OptionStatus::implemented},
        {"worker-reload-mercy", OptionStatus::implemented},
        {"limit-post", OptionStatus::implemented},
        {"http-timeout", OptionStatus::implemented},
        {"http-keepalive", OptionStatus::implemented},
        {"mount", OptionStatus::implemented},
        {"cheaper", OptionStatus::implemented},
        {"uid", OptionStatus::implemented},
        {"gid", OptionStatus::implemented},
        {"chown-socket", OptionStatus::implemented},
        {"umask", OptionStatus::implemented},
        {"single-interpreter", OptionStatus::no_op},
        {"enable-threads", OptionStatus::no_op},
        {"thunder-lock", OptionStatus::no_op},
        {"die-on-term", OptionStatus::no_op},
        {"plugins", OptionStatus::implemented},  // the Python plugin per interpreter (issue 14)
        {"plugin", OptionStatus::implemented},
        {"plugins-dir", OptionStatus::implemented},
        {"plugin-dir", OptionStatus::implemented},
        {"need-app", OptionStatus::no_op},
        {"harakiri-verbose", OptionStatus::no_op},
        {"ignore-sigpipe", OptionStatus::no_op},
        {"ignore-write-errors", OptionStatus::no_op},
        {"log-master", OptionStatus::no_op},
        {"offload-threads", OptionStatus::no_op},
        {"static-map", OptionStatus::implemented},
        {"static-map2", OptionStatus::implemented},
        {"check-static", OptionStatus::implemented},
        {"static-index", OptionStatus::implemented},
        {"static-skip-ext", OptionStatus::implemented},
        {"static-safe", OptionStatus::implemented},
        {"mimefile", OptionStatus::implemented},
        {"static-expires-type", OptionStatus::implemented},
        {"static-expires", OptionStatus::implemented},
        {"static-expires-uri", OptionStatus::implemented},
        {"static-gzip-all", OptionStatus::implemented},
        {"static-gzip-dir", OptionStatus::implemented},
        {"static-gzip-ext", OptionStatus::implemented},
        {"honour-range", OptionStatus::implemented},
        {"log-format", OptionStatus::implemented},
        {"logformat", OptionStatus::implemented},
        {"logger", OptionStatus::implemented},
        {"req-logger", OptionStatus::implemented},
        {"log-date", OptionStatus::implemented},
        {"logdate", OptionStatus::implemented},
        {"log-4xx", OptionStatus::implemented},
        {"log-5xx", OptionStatus::implemented},
        {"log-slow", OptionStatus::implemented},
        {"log-big", OptionStatus::implemented},
        {"log-zero", OptionStatus::implemented},
        {"log-sendfile", OptionStatus::implemented},
        {"log-x-forwarded-for", OptionStatus::implemented},
        {"log-maxsize", OptionStatus::implemented},
        {"memory-report", OptionStatus::implemented},
        {"manage-script-name", OptionStatus::implemented},
        {"mount", OptionStatus::implemented},
        {"cheaper", OptionStatus::implemented},
    };
    for (auto [name, status] : expected) {
        const OptionSpec* spec = find_option(name);
        ASSERT_NE(spec, nullptr) << name;
        EXPECT_EQ(spec->status, status) << name;
    }
    for (const char* name :
         {"socket-timeout", "disable-write-exception", "route"}) {
        const OptionSpec* spec = find_option(name);
        ASSERT_NE(spec, nullptr) << name;
        EXPECT_EQ(spec->status, OptionStatus::unsupported) << name;
    }
}

TEST(OptionTable, Lookup) {
    EXPECT_EQ(find_option("wsgi_file"), find_option("wsgi-file"));
    EXPECT_EQ(find_option("file"), find_option("wsgi-file"));
    EXPECT_EQ(find_option("p"), nullptr);  // short forms are command line only
    EXPECT_EQ(find_short_option('p'), find_option("processes"));
    EXPECT_EQ(find_short_option('w'), find_option("module"));
    EXPECT_EQ(find_option("Processes"), nullptr);
    EXPECT_EQ(suggest_option("prcesses"), "processes");
    EXPECT_EQ(suggest_option("zzzzzz"), "");
}

TEST(OptionTable, DefaultsComeFromOptions) {
    EXPECT_EQ(option_default_text(*find_option("processes")), "1");
    EXPECT_EQ(option_default_text(*find_option("listen")), "1024");
    EXPECT_EQ(option_default_text(*find_option("callable")), "application");
    EXPECT_EQ(option_default_text(*find_option("master")), "true");
    EXPECT_EQ(option_default_text(*find_option("lazy-apps")), "false");
    EXPECT_EQ(option_default_text(*find_option("home")), "`$VIRTUAL_ENV` if set");
}

TEST(OptionsDoc, HelpListsUsageAndOptions) {
    const std::string help = render_help();
    for (const char* line :
         {"appserver --http :8000 --wsgi-file app.py", "appserver --ini uwsgi.ini",
          "appserver --stop PIDFILE", "appserver --reload PIDFILE", "appserver --check-config",
          "  -p, --processes, --workers N", "  -w, --module, --wsgi MODULE[:CALLABLE]",
          "  --wsgi-file, --file PATH", "  -h, --help", "route", "  --static-map /MOUNT=PATH"}) {
        EXPECT_NE(help.find(line), std::string::npos) << line << "\n" << help;
    }
    for (const OptionSpec& spec : option_table()) {
        if (spec.status == OptionStatus::implemented) {
            EXPECT_NE(help.find("--" + std::string(spec.name)), std::string::npos) << spec.name;
        }
    }
    EXPECT_EQ(help.find("--route"), std::string::npos);  // listed by name only, not as an option
}

// A newcomer reads the actions off the usage lines and each option's default off its help line.
TEST(OptionsDoc, HelpShowsEveryActionAndTheDefaults) {
    const std::string help = render_help();
    const std::string usage = help.substr(0, help.find("\n\n"));
    for (const OptionSpec& spec : option_table()) {
        if (spec.command == Command::run) continue;
        EXPECT_NE(usage.find("  appserver --" + std::string(spec.name)), std::string::npos) << spec.name << "\n"
                                                                                            << usage;
    }
    for (const char* line : {"appserver --reopen-logs PIDFILE", "appserver --help", "appserver --version",
                             "appserver --check-config --ini uwsgi.ini"}) {
        EXPECT_NE(usage.find(line), std::string::npos) << line;
    }
    for (const char* text :
         {"listen() backlog of every socket (default: 1024)\n", "(default: false)\n", "(default: 60)\n",
          "(default: the cheaper value)\n", "(default: $VIRTUAL_ENV if set)\n", "(default: 777 minus the umask)\n"}) {
        EXPECT_NE(help.find(text), std::string::npos) << text;
    }
    // Commands and lists have no default to show.
    EXPECT_EQ(help.find("print this help and exit (default"), std::string::npos);
    EXPECT_NE(help.find("[v6]:port); repeatable\n"), std::string::npos);
}

TEST(OptionsDoc, MarkdownHasEveryOption) {
    const std::string md = render_options_markdown();
    for (const char* heading : {"## Sockets", "## Application", "## Processes", "## Lifecycle", "## Limits",
                                "## Accepted uWSGI keys that change nothing", "## Unsupported uWSGI keys",
                                "## Placeholders", "## Merging", "## ini files"}) {
        EXPECT_NE(md.find(heading), std::string::npos) << heading;
    }
    for (const OptionSpec& spec : option_table()) {
        // The long tail is listed by family: "`name`" in a paragraph, not a table row.
        const std::string wanted = spec.group == OptionGroup::uwsgi_other ? "`" + std::string(spec.name) + "`"
                                                                          : "| `" + std::string(spec.name);
        EXPECT_NE(md.find(wanted), std::string::npos) << spec.name;
    }
}

// docs/options.md is generated; regenerate with UPDATE_DOCS=1 when the table changes.
TEST(OptionsDoc, FileIsInStepWithTheTable) {
    const std::string path = APPSERVER_SOURCE_DIR "/docs/options.md";
    const std::string expected = render_options_markdown();
    if (const char* update = std::getenv("UPDATE_DOCS"); update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << expected;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream actual;
    actual << in.rdbuf();
    EXPECT_TRUE(actual.str() == expected)
        << path << " is out of date with src/config/option_table.cpp. Regenerate it with:\n"
        << "  UPDATE_DOCS=1 ./build/unit_tests --gtest_filter='OptionsDoc.*'";
}

}  // namespace
}  // namespace appserver
