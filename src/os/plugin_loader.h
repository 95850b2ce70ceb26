#pragma once
// Finding and loading a runtime plugin (build/plugins/python3_plugin.so ...) with dlopen, and
// checking that it was built for this core (include/appserver/plugin_abi.h). Where it looks, in
// order: the `plugins-dir` directories, <dir of the executable>/plugins (a build tree),
// <dir of the executable>/../lib/appserver/plugins (an install or an unpacked .deb in any root), then
// the compiled-in <prefix>/lib/appserver/plugins.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "appserver/app_runtime.h"
#include "config/plugin_names.h"

namespace appserver {

// One dlopen handle, dlclose'd once. A library opened with RTLD_NODELETE stays mapped after that
// (the runtime's: its interpreter may still have threads when the process exits).
class PluginLibrary {
public:
    PluginLibrary() = default;
    explicit PluginLibrary(void* handle) : handle_(handle) {}
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;
    PluginLibrary(PluginLibrary&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    PluginLibrary& operator=(PluginLibrary&& other) noexcept;
    ~PluginLibrary() { reset(); }

    void* get() const { return handle_; }
    explicit operator bool() const { return handle_ != nullptr; }
    void reset(void* handle = nullptr);
    // The address of `name`, or null.
    void* symbol(const char* name) const;

private:
    void* handle_ = nullptr;
};

// The search path for `plugins_dir` (the option's values): absolute or as given, without duplicates.
std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& plugins_dir);

// The runtime plugin in use. `runtime` is declared after `library`, so it is destroyed first.
struct LoadedPlugin {
    PluginLibrary library;
    std::string path;
    std::string interpreter;  // "Python 3.12.1"
    std::unique_ptr<AppRuntime> runtime;
};

// Finds `choice` in `dirs` (or opens its path), checks its ABI, loads it for good (RTLD_GLOBAL, so
// that the interpreter's extension modules find libpython's symbols) and creates its runtime.
// "" or the one-line error: not found (naming where it looked and how to build it), not loadable
// (with dlerror()), built for another core.
std::string load_python_plugin(const config::PythonPluginChoice& choice, const std::vector<std::string>& dirs,
                               LoadedPlugin& out);

// For --version: one line per plugin found in `dirs` ("python3 plugin: Python 3.11.2 (PATH)"), the
// first of each name as load_python_plugin would pick it; no interpreter is started.
std::vector<std::string> describe_plugins(const std::vector<std::string>& dirs);

}  // namespace appserver
