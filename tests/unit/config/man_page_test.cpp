// The man page appserver(1): generated from the tables, checked in as docs/appserver.1, renders cleanly.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "appserver/config.h"
#include "config/option_table.h"

namespace appserver {
namespace {

using namespace config;

const std::string kPath = APPSERVER_SOURCE_DIR "/docs/appserver.1";

std::string roff_name(std::string_view name) {
    std::string out;
    for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}

TEST(ManPage, HasTheSectionsEveryActionAndEveryOption) {
    const std::string page = render_man_page();
    EXPECT_EQ(page.find(".TH APPSERVER 1 "), page.find(".TH"));
    for (const char* section : {".SH NAME\n", ".SH SYNOPSIS\n", ".SH DESCRIPTION\n", ".SH OPTIONS\n",
                                ".SH SIGNALS\n", ".SH FILES\n", ".SH SEE ALSO\n", ".SS Sockets\n", ".SS Limits\n"}) {
        EXPECT_NE(page.find(section), std::string::npos) << section;
    }
    const std::string synopsis = page.substr(page.find(".SH SYNOPSIS"), page.find(".SH DESCRIPTION") - page.find(".SH SYNOPSIS"));
    for (const OptionSpec& spec : option_table()) {
        if (spec.command != Command::run) {
            EXPECT_NE(synopsis.find("\\fBappserver\\fR \\-\\-" + roff_name(spec.name)), std::string::npos)
                << spec.name;
        }
        if (spec.status == OptionStatus::implemented && spec.group != OptionGroup::uwsgi_other) {
            EXPECT_NE(page.find("\\-\\-" + roff_name(spec.name)), std::string::npos) << spec.name;
        }
    }
    EXPECT_NE(page.find("\\fB\\-p, \\-\\-processes, \\-\\-workers\\fR \\fIN\\fR\nnumber of worker processes\n.br\n"
                        "Default: 1."),
              std::string::npos);
    EXPECT_NE(page.find(".TP\n\\fBSIGHUP\\fR (\\fBappserver \\-\\-reload PIDFILE\\fR)"), std::string::npos);
}

// docs/appserver.1 is generated; regenerate with UPDATE_DOCS=1 when a table changes.
TEST(ManPage, FileIsInStepWithTheTables) {
    const std::string expected = render_man_page();
    if (const char* update = std::getenv("UPDATE_DOCS"); update && std::string(update) == "1") {
        std::ofstream(kPath, std::ios::binary) << expected;
    }
    std::ifstream in(kPath, std::ios::binary);
    std::stringstream actual;
    actual << in.rdbuf();
    EXPECT_TRUE(actual.str() == expected)
        << kPath << " is out of date with the option or signal table. Regenerate it with:\n"
        << "  UPDATE_DOCS=1 ./build/unit_tests --gtest_filter='ManPage.*'";
}

// groff (Debian's groff-base, which man-db uses) with every warning on: the page must format
// without one line on stderr, at the widths `man` uses for narrow and wide terminals (MANWIDTH sets
// the line length, LL).
TEST(ManPage, RendersWithoutWarnings) {
    if (::access("/usr/bin/groff", X_OK) != 0) GTEST_SKIP() << "groff not installed (Debian: groff-base)";
    for (int width : {60, 78, 100, 120, 160}) {
        const std::string command = "/usr/bin/groff -man -Tutf8 -ww -z -rLL=" + std::to_string(width) + "n '" +
                                    kPath + "' 2>&1";
        FILE* pipe = ::popen(command.c_str(), "r");
        ASSERT_NE(pipe, nullptr);
        std::string output;
        char buf[512];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
        const int status = ::pclose(pipe);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << width << ": " << output;
        EXPECT_EQ(output, "") << "width " << width;
    }
}

}  // namespace
}  // namespace appserver
