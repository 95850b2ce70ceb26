#pragma once
// A temporary directory tree for the static-file tests (removed at the end of the test).

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace appserver::testing {

class StaticDir {
public:
    StaticDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "appserver-static-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~StaticDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    StaticDir(const StaticDir&) = delete;
    StaticDir& operator=(const StaticDir&) = delete;

    std::string write(const std::string& name, const std::string& text) const {
        std::filesystem::path file = std::filesystem::path(path_) / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }
    std::string mkdir(const std::string& name) const {
        std::filesystem::create_directories(std::filesystem::path(path_) / name);
        return at(name);
    }
    std::string at(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace appserver::testing
