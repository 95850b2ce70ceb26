#include "os/plugin_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "appserver/options.h"
#include "appserver/plugin_abi.h"

#ifndef APPSERVER_PLUGIN_INSTALL_DIR
#define APPSERVER_PLUGIN_INSTALL_DIR "/usr/local/lib/appserver/plugins"
#endif

namespace appserver {
namespace {

std::string last_dlerror() {
    const char* text = ::dlerror();
    return text ? text : "unknown dlopen error";
}

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The directory of the running executable (/proc/self/exe), or "".
std::string executable_dir() {
    char exe[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return {};
    std::string path(exe, static_cast<std::size_t>(n));
    return path.substr(0, path.rfind('/'));
}

// `dir` without symlinks and `..`, so one directory reached two ways is searched once; as given
// when it does not exist.
std::string canonical(const std::string& dir) {
    char resolved[PATH_MAX];
    if (::realpath(dir.c_str(), resolved) == nullptr) return dir;
    return resolved;
}

// What probing one file found.
struct Probe {
    enum class Kind { ok, unloadable, foreign, other_abi } kind = Kind::ok;
    std::string detail;       // dlerror(), or what differs
    std::string interpreter;  // when ok
    PluginLibrary library;    // when ok: opened RTLD_LOCAL
};

// Opens `path` privately (RTLD_LOCAL: two probed plugins' libpythons never meet) and reads its
// entry points without creating anything.
Probe probe(const std::string& path) {
    Probe result;
    ::dlerror();
    PluginLibrary library(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (!library) {
        result.kind = Probe::Kind::unloadable;
        result.detail = last_dlerror();
        return result;
    }
    auto abi = reinterpret_cast<PluginAbiFn>(library.symbol(kPluginAbiSymbol));
    auto options_size = reinterpret_cast<PluginOptionsSizeFn>(library.symbol(kPluginOptionsSizeSymbol));
    auto interpreter = reinterpret_cast<PluginInterpreterFn>(library.symbol(kPluginInterpreterSymbol));
    if (abi == nullptr || options_size == nullptr || interpreter == nullptr ||
        library.symbol(kPluginCreateSymbol) == nullptr) {
        result.kind = Probe::Kind::foreign;
        result.detail = std::string("no ") + kPluginAbiSymbol + " entry point (not an appserver plugin)";
        return result;
    }
    if (abi() != kPluginAbi || options_size() != sizeof(Options)) {
        result.kind = Probe::Kind::other_abi;
        result.detail = "built for plugin ABI " + std::to_string(abi()) + " (Options of " +
                        std::to_string(options_size()) + " bytes), this appserver has ABI " +
                        std::to_string(kPluginAbi) + " (" + std::to_string(sizeof(Options)) + " bytes)";
        return result;
    }
    const char* version = interpreter();
    result.interpreter = version ? version : "?";
    result.library = std::move(library);
    return result;
}

// "python312" -> "python3.12", "python3" -> "python3": the interpreter to pass to `make plugin`.
std::string interpreter_command(const std::string& name) {
    std::string digits = name.substr(std::string_view("python").size());
    if (digits.size() < 2) return name;
    return "python" + digits.substr(0, 1) + "." + digits.substr(1);
}

std::string how_to_build(const std::string& name) {
    if (name == "python3")
        return "it is built with appserver for the default interpreter (`make build`, or configure with "
               "-DAPPSERVER_PYTHON=/path/to/python3)";
    return "build it with `make plugin PYTHON=/path/to/" + interpreter_command(name) + "`";
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

}  // namespace

PluginLibrary& PluginLibrary::operator=(PluginLibrary&& other) noexcept {
    if (this != &other) reset(std::exchange(other.handle_, nullptr));
    return *this;
}

void PluginLibrary::reset(void* handle) {
    if (handle_ != nullptr) ::dlclose(handle_);
    handle_ = handle;
}

void* PluginLibrary::symbol(const char* name) const { return handle_ ? ::dlsym(handle_, name) : nullptr; }

std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& plugins_dir) {
    std::vector<std::string> dirs = plugins_dir;
    if (std::string exe = executable_dir(); !exe.empty()) {
        dirs.push_back(exe + "/plugins");
        dirs.push_back(exe + "/../lib/appserver/plugins");
    }
    dirs.emplace_back(APPSERVER_PLUGIN_INSTALL_DIR);
    std::vector<std::string> unique;
    std::set<std::string> seen;
    for (const std::string& dir : dirs)
        if (seen.insert(canonical(dir)).second) unique.push_back(canonical(dir));
    return unique;
}

std::string load_python_plugin(const config::PythonPluginChoice& choice, const std::vector<std::string>& dirs,
                               LoadedPlugin& out) {
    const std::string label = "plugin " + choice.label();
    std::vector<std::string> candidates;
    if (!choice.path.empty()) {
        candidates.push_back(choice.path);
    } else {
        for (const std::string& dir : dirs)
            if (std::string path = dir + "/" + config::plugin_file_name(choice.name); is_file(path))
                candidates.push_back(path);
        if (candidates.empty())
            return label + ": " + config::plugin_file_name(choice.name) + " not found (looked in " +
                   joined(dirs) + "); " + how_to_build(choice.name);
    }
    // A directory shared with uWSGI (plugins-dir = /usr/lib/uwsgi/plugins) holds its python3_plugin.so
    // too: a file that is not ours is passed over, and named only when nothing else is found.
    std::string first_failure;
    for (const std::string& path : candidates) {
        Probe found = probe(path);
        if (found.kind == Probe::Kind::other_abi)
            return label + " (" + path + "): " + found.detail + "; rebuild it" +
                   (choice.path.empty() ? " (" + how_to_build(choice.name) + ")" : "");
        if (found.kind != Probe::Kind::ok) {
            if (first_failure.empty()) first_failure = "cannot load " + path + ": " + found.detail;
            continue;
        }
        // Again, for good: global, so that the interpreter's extension modules (which do not link
        // libpython) find its symbols, and never unmapped.
        ::dlerror();
        PluginLibrary library(::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE));
        if (!library) return label + ": cannot load " + path + ": " + last_dlerror();
        auto create = reinterpret_cast<PluginCreateFn>(library.symbol(kPluginCreateSymbol));
        AppRuntime* runtime = create ? create() : nullptr;
        if (runtime == nullptr) return label + " (" + path + "): it created no runtime";
        out.library = std::move(library);
        out.path = path;
        out.interpreter = found.interpreter;
        out.runtime.reset(runtime);
        return "";
    }
    return label + ": " + first_failure;
}

std::vector<std::string> describe_plugins(const std::vector<std::string>& dirs) {
    std::vector<std::string> lines;
    std::set<std::string> named;
    for (const std::string& dir : dirs) {
        DIR* listing = ::opendir(dir.c_str());
        if (listing == nullptr) continue;
        std::vector<std::string> files;
        while (const dirent* entry = ::readdir(listing)) {
            std::string_view file = entry->d_name;
            if (file.starts_with("python") && file.ends_with("_plugin.so")) files.emplace_back(file);
        }
        ::closedir(listing);
        std::sort(files.begin(), files.end());
        for (const std::string& file : files) {
            std::string name = file.substr(0, file.size() - std::string_view("_plugin.so").size());
            if (!config::is_python_plugin_name(name) || named.count(name)) continue;
            std::string path = dir + "/" + file;
            Probe found = probe(path);
            if (found.kind == Probe::Kind::ok) {
                lines.push_back(name + " plugin: " + found.interpreter + " (" + path + ")");
            } else if (found.kind == Probe::Kind::other_abi) {
                lines.push_back(name + " plugin: " + path + " " + found.detail + ": rebuild it");
            } else {
                continue;  // uWSGI's, or a broken file: load_python_plugin names it when asked for
            }
            named.insert(name);
        }
    }
    if (lines.empty()) lines.push_back("no Python plugin found (looked in " + joined(dirs) + ")");
    return lines;
}

}  // namespace appserver
