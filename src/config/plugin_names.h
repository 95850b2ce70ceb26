#pragma once
// What the names in `plugins = ...` mean (uWSGI's syntax): a comma- or space-separated list, each
// entry a plugin name, optionally behind a `modifier:` prefix (`0:python3`), or a path to a .so.
// appserver's plugins are the Python ones, one file per interpreter: `python`/`python3` is
// python3_plugin.so, `python312` is python312_plugin.so. `http` is built into the core.

#include <string>
#include <string_view>
#include <vector>

namespace appserver::config {

// "http,0:python3 x" -> {"http", "python3", "x"}.
std::vector<std::string> split_plugin_names(std::string_view value);

// python, python3, python312 (and python2, which nobody builds: it is still a Python plugin's name).
bool is_python_plugin_name(std::string_view name);

// A path to a plugin's file rather than a name: it has a '/'.
bool is_plugin_path(std::string_view name);

// The names `plugins =` takes silently and `if-plugin` counts as present: the Python plugins and
// `http`, whose listeners the workers serve themselves (Debian's uWSGI needs `plugins = http,python3`
// for `http =`, so most ini files written for it name both). Every other name is a uWSGI feature
// appserver does not have.
bool is_known_plugin(std::string_view name);

// The Python plugin to load: `name` (python3, python312) or `path` (exactly one is set).
struct PythonPluginChoice {
    std::string name;
    std::string path;
    // What to call it in messages: the name, or the path as given.
    const std::string& label() const { return path.empty() ? name : path; }
};

// The Python plugin the `plugins` values name (every occurrence, each a list); python3 when none
// does. "" on success, else the one-line error (two different Python plugins).
std::string choose_python_plugin(const std::vector<std::string>& values, PythonPluginChoice& out);

// python3 -> python3_plugin.so
std::string plugin_file_name(std::string_view name);

}  // namespace appserver::config
