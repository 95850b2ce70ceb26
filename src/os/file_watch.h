#pragma once
// Modification-time watching for touch-reload and py-autoreload: cheap stat(2) polling from the
// master's loop (no inotify: the files may sit on any filesystem, and a few hundred stats a
// second cost nothing).

#include <sys/stat.h>

#include <string>
#include <vector>

namespace appserver {

class FileWatch {
public:
    // Records the current state of each file (a missing file is remembered as missing).
    void watch(const std::vector<std::string>& paths);
    // The first file whose mtime, size or existence changed since the last call; empty if none.
    std::string changed();
    bool empty() const { return files_.empty(); }

private:
    struct Entry {
        std::string path;
        bool exists = false;
        timespec mtime{};
        off_t size = 0;
    };
    static Entry snapshot(const std::string& path);
    std::vector<Entry> files_;
};

}  // namespace appserver
