#include "master/preflight.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "log/log_target.h"
#include "master/reexec.h"

namespace appserver {
namespace {

namespace fs = std::filesystem;

// The directory `path` would be created in must exist and take new files.
bool check_directory_of(const char* option, const std::string& path, const std::string& base,
                        std::string& error) {
    fs::path file(path);
    if (file.is_relative() && !base.empty()) file = fs::path(base) / file;
    fs::path dir = file.parent_path();
    if (dir.empty()) dir = ".";
    struct stat st {};
    std::string where = std::string(option) + " " + path + ": directory " + dir.string();
    if (::stat(dir.c_str(), &st) != 0) {
        error = where + " " + (errno == ENOENT ? "does not exist" : std::strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        error = where + " is not a directory";
        return false;
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        error = where + " is not writable by uid " + std::to_string(::geteuid()) + " (" +
                std::strerror(errno) + ")";
        return false;
    }
    if (::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        error = std::string(option) + " " + path + " is a directory";
        return false;
    }
    return true;
}

}  // namespace

bool check_file_destinations(const Options& o, const std::vector<ListenSocket>& sockets, std::string& error) {
    const std::string& started_in = launch_context().cwd;
    if (!o.pidfile.empty() && !check_directory_of("pidfile", o.pidfile, started_in, error)) return false;
    if (!o.daemonize.empty() && !check_directory_of("daemonize", o.daemonize, started_in, error))
        return false;
    if (o.daemonize.empty() && !o.logto.empty() && !check_directory_of("logto", o.logto, started_in, error))
        return false;
    for (const ListenSocket& s : sockets)
        if (s.address.is_unix && !check_directory_of("socket", s.address.unix_path, "", error)) return false;
    // logger = file:PATH and req-logger = file:PATH are opened by the start too.
    for (const auto& [option, targets] : {std::pair{"logger", &o.logger}, {"req-logger", &o.req_logger}})
        for (const std::string& text : *targets) {
            log::TargetSpec spec;
            std::string ignored;  // a bad spec is the start's to refuse, with its own message
            if (log::parse_target(text, spec, ignored) && spec.kind == log::TargetSpec::Kind::file &&
                !check_directory_of(option, spec.path, started_in, error))
                return false;
        }
    return true;
}

}  // namespace appserver
