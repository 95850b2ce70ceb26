// Loading the application: wsgi-file, module[:callable], and the one-line errors.

#include "app_loader.h"

#include <fstream>

#include "interpreter.h"
#include "python_harness.h"

namespace appserver::python::testing {
namespace {

struct Loaded {
    bool ok;
    std::string error;
    std::string name;
};

Loaded load(const Options& options) {
    harness();
    GilGuard gil;
    LoadedApp app;
    Loaded result;
    result.ok = load_application(options, app, result.error);
    result.name = app.name;
    return result;
}

Options module(const std::string& name) {
    Options options;
    options.module = name;
    return options;
}

TEST(PythonAppLoader, HarnessAppName) {
    EXPECT_EQ(harness().runtime->app_name(), "wsgi-file " + harness().dir + "/app.py (callable application)");
}

TEST(PythonAppLoader, WsgiFileIsAModuleUnderItsUwsgiName) {
    std::string expected = wsgi_file_module_name(harness().dir + "/app.py") + " True";
    EXPECT_EQ(request("/modulename").writer.body, expected);
    EXPECT_EQ(wsgi_file_module_name("a/b-c.py"), "uwsgi_file_a_b_c_py");
}

TEST(PythonAppLoader, ModuleWithCallable) {
    Loaded loaded = load(module("json:loads"));
    EXPECT_TRUE(loaded.ok) << loaded.error;
    EXPECT_EQ(loaded.name, "module json (callable loads)");
}

TEST(PythonAppLoader, CallableOptionAndFactory) {
    Options options = module("collections");
    options.callable = "OrderedDict";
    EXPECT_TRUE(load(options).ok);
    Loaded factory = load(module("string:Formatter()"));
    EXPECT_FALSE(factory.ok) << "a Formatter instance is not callable";
    EXPECT_EQ(factory.error, "\"Formatter()\" in module \"string\" is not callable (it is Formatter)");
    EXPECT_TRUE(load(module("threading:Lock()")).ok == false);
    EXPECT_TRUE(load(module("os.path:join")).ok);
}

TEST(PythonAppLoader, MissingModule) {
    LogCapture log;
    Loaded loaded = load(module("no_such_pkg_xyz.mod"));
    EXPECT_FALSE(loaded.ok);
    EXPECT_EQ(loaded.error,
              "failed to import module \"no_such_pkg_xyz.mod\": ModuleNotFoundError: No module named "
              "'no_such_pkg_xyz'");
    // The traceback is logged; importlib's own frames are hidden, so here it is the last line only.
    EXPECT_NE(log.text().find("error ModuleNotFoundError: No module named 'no_such_pkg_xyz'"),
              std::string::npos)
        << log.text();
}

TEST(PythonAppLoader, MissingAndUncallableCallable) {
    EXPECT_EQ(load(module("json")).error, "module \"json\" has no callable \"application\"");
    EXPECT_EQ(load(module("os:sep")).error, "\"sep\" in module \"os\" is not callable (it is str)");
}

TEST(PythonAppLoader, BrokenWsgiFile) {
    std::string path = harness().dir + "/broken.py";
    std::ofstream(path) << "import os\ndef application(:\n";
    Options options;
    options.wsgi_file = path;
    LogCapture log;
    Loaded loaded = load(options);
    EXPECT_FALSE(loaded.ok);
    EXPECT_EQ(loaded.error.rfind("failed to load wsgi-file \"" + path + "\": SyntaxError: ", 0), 0u)
        << loaded.error;

    options.wsgi_file = harness().dir + "/missing.py";
    loaded = load(options);
    EXPECT_NE(loaded.error.find("FileNotFoundError"), std::string::npos) << loaded.error;
}

TEST(PythonAppLoader, WsgiFileWithoutPySuffix) {
    std::string path = harness().dir + "/app.wsgi";
    std::ofstream(path) << "def application(e, s):\n    pass\n";
    Options options;
    options.wsgi_file = path;
    Loaded loaded = load(options);
    EXPECT_TRUE(loaded.ok) << loaded.error;
}

TEST(PythonAppLoader, NothingToLoad) {
    EXPECT_EQ(load(Options()).error, "no application: give wsgi-file or module");
}

}  // namespace
}  // namespace appserver::python::testing
