// Where plugins are looked for, and the one line a missing one gives (the loading itself is
// tests/integration/test_plugins.py: it needs the real plugin files).
#include "os/plugin_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

namespace appserver {
namespace {

std::string executable_dir() { return std::filesystem::canonical("/proc/self/exe").parent_path().string(); }

TEST(PluginLoader, SearchesPluginsDirFirstThenNextToTheExecutableOnceEach) {
    std::string tmp = std::filesystem::canonical(std::filesystem::temp_directory_path()).string();
    std::vector<std::string> dirs =
        plugin_search_dirs({tmp, tmp + "/", tmp + "/../" + std::filesystem::path(tmp).filename().string()});
    ASSERT_GE(dirs.size(), 3u);
    EXPECT_EQ(dirs[0], tmp);  // one directory written three ways is searched once
    EXPECT_EQ(dirs[1], executable_dir() + "/plugins");
    EXPECT_EQ(dirs[2], executable_dir() + "/../lib/appserver/plugins");  // absent: kept as written
    EXPECT_EQ(dirs.back().substr(dirs.back().size() - std::string("/lib/appserver/plugins").size()),
              "/lib/appserver/plugins");
}

TEST(PluginLoader, AMissingPluginSaysWhereItLookedAndHowToBuildIt) {
    LoadedPlugin plugin;
    config::PythonPluginChoice choice;
    choice.name = "python399";
    EXPECT_EQ(
        load_python_plugin(choice, {"/nonexistent/a", "/nonexistent/b"}, plugin),
        "plugin python399: python399_plugin.so not found (looked in /nonexistent/a, /nonexistent/b); build "
        "it with `make plugin PYTHON=/path/to/python3.99`");
    EXPECT_FALSE(plugin.runtime);
    choice.name = "python3";
    EXPECT_NE(load_python_plugin(choice, {"/nonexistent/a"}, plugin).find("`make build`"), std::string::npos);
}

}  // namespace
}  // namespace appserver
