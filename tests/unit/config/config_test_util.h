#pragma once
// Helpers for the configuration tests: a temporary directory with files in it, and load_config()
// called the way main() calls it.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "appserver/config.h"
#include "appserver/options.h"

namespace appserver::testing {

// A fresh directory per test, removed afterwards; the test runs with it as the current directory.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "appserver-config-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
        old_cwd_ = std::filesystem::current_path();
        std::filesystem::current_path(path_);
    }
    ~TempDir() {
        std::filesystem::current_path(old_cwd_);
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `text` to `name` (relative to the directory) and returns the full path.
    std::string write(const std::string& name, const std::string& text) const {
        std::filesystem::path file = std::filesystem::path(path_) / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::filesystem::path old_cwd_;
};

struct Loaded {
    ConfigResult result;
    Options options;
};

// load_config({"appserver", args...}).
inline Loaded load(std::vector<std::string> args) {
    args.insert(args.begin(), "appserver");
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    argv.push_back(nullptr);
    Loaded loaded;
    loaded.result = load_config(static_cast<int>(args.size()), argv.data(), loaded.options);
    return loaded;
}

// The smallest command line that passes validation, plus `more`.
inline Loaded load_valid(std::vector<std::string> more) {
    std::vector<std::string> args = {"--http", ":8000", "--module", "app:app"};
    args.insert(args.end(), more.begin(), more.end());
    return load(args);
}

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = getenv(name)) old_ = old;
        if (value)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            setenv(name_.c_str(), old_->c_str(), 1);
        else
            unsetenv(name_.c_str());
    }

private:
    std::string name_;
    std::optional<std::string> old_;
};

// "file:line: message" of each warning, for EXPECT_THAT-free assertions.
inline std::vector<std::string> warning_lines(const Options& options) {
    std::vector<std::string> out;
    for (const ConfigWarning& w : options.warnings)
        out.push_back(w.file + ":" + std::to_string(w.line) + ": " + w.message);
    return out;
}

inline bool has_warning(const Options& options, const std::string& needle) {
    for (const std::string& line : warning_lines(options))
        if (line.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace appserver::testing
