// Options::exported: every option as the user gave it, what the `uwsgi` module's `opt` dict shows.

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace appserver {
namespace {

using testing::load;
using testing::TempDir;

TEST(ConfigExported, KeepsKeysAsGivenWithRawValuesAndBareFlags) {
    TempDir dir;
    dir.write("site.ini", "[uwsgi]\nhttp-socket = :1\nmodule = m\nmaster = true\nenv = A=1\nenv = B=2\nplugin = python3\n");
    auto loaded = load({"--ini", "site.ini", "--disable-logging", "--processes", "3", "--harakiri=20"});
    ASSERT_TRUE(loaded.result.ok) << loaded.result.error;
    std::vector<std::pair<std::string, std::string>> seen;
    for (const ExportedOption& option : loaded.options.exported)
        seen.emplace_back(option.key, option.value.value_or("<flag>"));
    // Command line first (uWSGI's order: --ini appears where it was given), then the ini's keys in
    // file order; no-op keys (master, plugin) are exported too, as uWSGI does.
    std::vector<std::pair<std::string, std::string>> expected = {
        {"ini", "site.ini"},     {"disable-logging", "<flag>"}, {"processes", "3"}, {"harakiri", "20"},
        {"http-socket", ":1"},   {"module", "m"},               {"master", "true"}, {"env", "A=1"},
        {"env", "B=2"},          {"plugin", "python3"},
    };
    EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace appserver
