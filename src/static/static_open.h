#pragma once
// Opening a static file safely: the file a request path names under a mapped directory, never one
// reached through a symlink out of it (unless into a static-safe directory), never anything but a
// regular file. Device files, FIFOs and sockets are recognised from an O_PATH descriptor, which
// opens nothing, and refused before any open for reading.

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "os/unique_fd.h"
#include "static/static_map.h"

namespace appserver {

struct StaticFile {
    UniqueFd fd;           // open for reading (O_NONBLOCK, close-on-exec)
    struct stat st {};     // of fd
    std::string path;      // as mapped: the target + "/" + relative path (logs, static-expires, gzip rules)
    std::string relative;  // under the mount's target, an index file's name included
};

struct StaticOpen {
    enum class Result {
        missing,  // nothing there, or a directory without an index file: the application answers
        opened,
        refused,  // there, but not to be served (403): `reason` says why, for the log
    };
    Result result = Result::missing;
    StaticFile file;
    std::string reason;
};

// Opens `candidate` (its relative path under its mount's target). A directory is answered by the
// first of `config.index` found in it. `relative_suffix` is appended to the path (".gz" variants).
StaticOpen open_static(const StaticConfig& config, const StaticCandidate& candidate,
                       std::string_view relative_suffix = {});

// After openat2(2) failed with ENOSYS once (kernels before 5.6) the realpath check is used
// instead; tests force it to run both ways.
void static_force_realpath_for_tests(bool on);

}  // namespace appserver
