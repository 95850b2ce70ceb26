// `plugins = ...` as uWSGI writes it, and which Python plugin it picks.
#include "config/plugin_names.h"

#include <gtest/gtest.h>

namespace appserver::config {
namespace {

TEST(PluginNames, SplitsCommaAndSpaceListsAndDropsModifiers) {
    EXPECT_EQ(split_plugin_names("http,python3"), (std::vector<std::string>{"http", "python3"}));
    EXPECT_EQ(split_plugin_names(" 0:python3 , router_static\thttp,,"),
              (std::vector<std::string>{"python3", "router_static", "http"}));
    EXPECT_EQ(split_plugin_names("/opt/p/python312_plugin.so"),
              (std::vector<std::string>{"/opt/p/python312_plugin.so"}));
    EXPECT_EQ(split_plugin_names(""), std::vector<std::string>{});
}

TEST(PluginNames, PythonNamesAndKnownPlugins) {
    for (const char* name : {"python", "python3", "python311", "python312", "python2"})
        EXPECT_TRUE(is_python_plugin_name(name)) << name;
    for (const char* name : {"pythonx", "python3.12", "py312", "http", "", "python3_plugin.so"})
        EXPECT_FALSE(is_python_plugin_name(name)) << name;
    EXPECT_TRUE(is_known_plugin("http"));
    EXPECT_TRUE(is_known_plugin("python313"));
    EXPECT_FALSE(is_known_plugin("router_static"));
    EXPECT_TRUE(is_plugin_path("./x.so"));
    EXPECT_FALSE(is_plugin_path("python3"));
    EXPECT_EQ(plugin_file_name("python312"), "python312_plugin.so");
}

TEST(PluginNames, NoneNamedIsPython3AndPythonIsPython3) {
    PythonPluginChoice choice;
    EXPECT_EQ(choose_python_plugin({}, choice), "");
    EXPECT_EQ(choice.name, "python3");
    EXPECT_EQ(choose_python_plugin({"http,router_static"}, choice), "");
    EXPECT_EQ(choice.name, "python3");
    EXPECT_EQ(choose_python_plugin({"http,python", "python3"}, choice), "");
    EXPECT_EQ(choice.name, "python3");
    EXPECT_EQ(choice.label(), "python3");
}

TEST(PluginNames, OnePluginByNameOrPath) {
    PythonPluginChoice choice;
    EXPECT_EQ(choose_python_plugin({"http", "0:python312", "python312"}, choice), "");
    EXPECT_EQ(choice.name, "python312");
    EXPECT_TRUE(choice.path.empty());
    EXPECT_EQ(choose_python_plugin({"/opt/p/python312_plugin.so"}, choice), "");
    EXPECT_TRUE(choice.name.empty());
    EXPECT_EQ(choice.path, "/opt/p/python312_plugin.so");
    EXPECT_EQ(choice.label(), "/opt/p/python312_plugin.so");
}

TEST(PluginNames, TwoDifferentPythonPluginsAreAnError) {
    PythonPluginChoice choice;
    EXPECT_EQ(
        choose_python_plugin({"http,python3", "python312"}, choice),
        "plugins: python3 and python312 are two Python plugins; one process runs one interpreter: keep one");
    EXPECT_NE(choose_python_plugin({"python311,/x/python311_plugin.so"}, choice), "");
}

}  // namespace
}  // namespace appserver::config
