#include "os/file_watch.h"

namespace appserver {

FileWatch::Entry FileWatch::snapshot(const std::string& path) {
    Entry e;
    e.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        e.exists = true;
        e.mtime = st.st_mtim;
        e.size = st.st_size;
    }
    return e;
}

void FileWatch::watch(const std::vector<std::string>& paths) {
    for (const auto& p : paths) files_.push_back(snapshot(p));
}

std::string FileWatch::changed() {
    std::string first;
    for (auto& e : files_) {
        Entry now = snapshot(e.path);
        bool differs = now.exists != e.exists || now.size != e.size || now.mtime.tv_sec != e.mtime.tv_sec ||
                       now.mtime.tv_nsec != e.mtime.tv_nsec;
        if (differs && first.empty()) first = e.path;
        e = now;
    }
    return first;
}

}  // namespace appserver
