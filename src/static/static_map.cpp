#include "static/static_map.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>

#include "log/log.h"

namespace appserver {
namespace {

std::string under_base(const std::string& base, const std::string& path) {
    if (base.empty() || path.starts_with('/')) return path;
    return base + "/" + path;
}

bool parse_seconds(std::string_view text, long& out) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

// "/mount=DIR" (static-map, static-map2).
bool add_mapping(StaticConfig& config, StaticMount::Kind kind, std::string_view key, const std::string& value,
                 const std::string& base, std::string& error) {
    std::size_t eq = value.find('=');
    if (eq == std::string::npos || eq + 1 == value.size()) {
        error = "option " + std::string(key) + ": \"" + value + "\" is not MOUNTPOINT=PATH";
        return false;
    }
    StaticMount mount;
    mount.kind = kind;
    mount.mountpoint = value.substr(0, eq);
    mount.target = value.substr(eq + 1);
    if (!mount.mountpoint.starts_with('/')) {
        error = "option " + std::string(key) + ": mountpoint \"" + mount.mountpoint +
                "\" does not start with '/'";
        return false;
    }
    // "/static/" and "/static" are the same mountpoint.
    while (mount.mountpoint.size() > 1 && mount.mountpoint.back() == '/') mount.mountpoint.pop_back();
    struct stat st {};
    std::string path = under_base(base, mount.target);
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        // uWSGI starts with it (a media directory created by the first upload): requests under the
        // mountpoint go to the application until the directory exists.
        config.notes.push_back(std::string(key) + " " + value + ": " + path +
                               " does not exist (yet): requests under " + mount.mountpoint +
                               " go to the application until it does");
        config.mounts.push_back(std::move(mount));
        return true;
    }
    if (::stat(path.c_str(), &st) != 0) {
        error = "option " + std::string(key) + ": " + log::syscall_error("stat", path, errno);
        return false;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        error = "option " + std::string(key) + ": " + path + " is neither a directory nor a regular file";
        return false;
    }
    mount.is_file = S_ISREG(st.st_mode);
    config.mounts.push_back(std::move(mount));
    return true;
}

bool check_directory(std::string_view key, const std::string& value, const std::string& base,
                     std::string& error) {
    struct stat st {};
    std::string path = under_base(base, value);
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = "option " + std::string(key) + ": directory not found: " + path;
        return false;
    }
    return true;
}

// "REGEX SECONDS" (static-expires, static-expires-uri).
bool add_expires_rule(std::vector<ExpiresRule>& out, std::string_view key, const std::string& value,
                      std::string& error) {
    std::size_t space = value.rfind(' ');
    ExpiresRule rule;
    if (space == std::string::npos ||
        !parse_seconds(std::string_view(value).substr(space + 1), rule.seconds)) {
        error = "option " + std::string(key) + ": \"" + value + "\" is not REGEX SECONDS";
        return false;
    }
    try {
        rule.pattern = std::regex(value.substr(0, space), std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
        error = "option " + std::string(key) + ": regex \"" + value.substr(0, space) +
                "\" does not compile: " + e.what();
        return false;
    }
    out.push_back(std::move(rule));
    return true;
}

bool mount_matches(const StaticMount& mount, std::string_view path) {
    if (mount.kind == StaticMount::Kind::check) return true;
    std::string_view m = mount.mountpoint;
    if (m == "/") return true;
    if (!path.starts_with(m)) return false;
    return path.size() == m.size() || path[m.size()] == '/';
}

std::string strip_slashes(std::string_view p) {
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    return std::string(p);
}

bool ends_with_any(std::string_view name, const std::vector<std::string>& suffixes) {
    for (const auto& s : suffixes)
        if (!s.empty() && name.ends_with(s)) return true;
    return false;
}

}  // namespace

std::shared_ptr<const StaticConfig> make_static_config(const Options& o, const std::string& base_dir,
                                                       std::string& error) {
    auto config = std::make_shared<StaticConfig>();
    for (const auto& dir : o.check_static) {
        if (!check_directory("check-static", dir, base_dir, error)) return nullptr;
        config->mounts.push_back(StaticMount{StaticMount::Kind::check, "", dir, false});
    }
    for (const auto& v : o.static_map)
        if (!add_mapping(*config, StaticMount::Kind::prefix, "static-map", v, base_dir, error))
            return nullptr;
    for (const auto& v : o.static_map2)
        if (!add_mapping(*config, StaticMount::Kind::full, "static-map2", v, base_dir, error)) return nullptr;
    for (const auto& dir : o.static_safe) {
        if (!check_directory("static-safe", dir, base_dir, error)) return nullptr;
        config->safe.push_back(dir);
    }
    for (const auto& name : o.static_index) {
        if (name.empty() || name.find('/') != std::string::npos || name == "..") {
            error = "option static-index: \"" + name + "\" is not a file name";
            return nullptr;
        }
        config->index.push_back(name);
    }
    config->skip_ext = o.static_skip_ext;
    for (const auto& path : o.mimefile) {
        if (!config->mime.load_file(under_base(base_dir, path), error)) {
            error = "option mimefile: " + error;
            return nullptr;
        }
    }
    // Without mimefile, the system's table when there is one (uWSGI reads /etc/mime.types too);
    // not read at all when nothing is served as a static file (a few ms off every start).
    if (o.mimefile.empty() && !config->mounts.empty()) {
        std::string ignored;
        config->mime.load_file("/etc/mime.types", ignored);
    }
    for (const auto& v : o.static_expires_type) {
        std::size_t eq = v.find('=');
        long seconds = 0;
        if (eq == std::string::npos || eq == 0 ||
            !parse_seconds(std::string_view(v).substr(eq + 1), seconds)) {
            error = "option static-expires-type: \"" + v + "\" is not TYPE=SECONDS";
            return nullptr;
        }
        config->expires_type.emplace_back(v.substr(0, eq), seconds);
    }
    for (const auto& v : o.static_expires)
        if (!add_expires_rule(config->expires_file, "static-expires", v, error)) return nullptr;
    for (const auto& v : o.static_expires_uri)
        if (!add_expires_rule(config->expires_uri, "static-expires-uri", v, error)) return nullptr;
    config->gzip_all = o.static_gzip_all;
    config->gzip_dir = o.static_gzip_dir;
    config->gzip_ext = o.static_gzip_ext;
    config->honour_range = o.honour_range;
    return config;
}

bool is_safe_request_path(std::string_view path) {
    if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        std::string_view segment =
            path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
        if (segment == "..") return false;
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return true;
}

bool skipped_extension(const StaticConfig& config, std::string_view name) {
    return ends_with_any(name, config.skip_ext);
}

std::vector<StaticCandidate> static_candidates(const StaticConfig& config, std::string_view path) {
    std::vector<StaticCandidate> out;
    if (!path.starts_with('/') || !is_safe_request_path(path) || skipped_extension(config, path)) return out;
    for (const StaticMount& mount : config.mounts) {
        if (!mount_matches(mount, path)) continue;
        StaticCandidate c;
        c.mount = &mount;
        if (mount.is_file) {
            // A mapping to one file serves that file for the mountpoint itself only.
            if (path.size() != mount.mountpoint.size()) continue;
        } else if (mount.kind == StaticMount::Kind::prefix) {
            c.relative = strip_slashes(mount.mountpoint == "/" ? path : path.substr(mount.mountpoint.size()));
        } else {
            c.relative = strip_slashes(path);
        }
        out.push_back(std::move(c));
    }
    return out;
}

bool gzip_rule_applies(const StaticConfig& config, std::string_view file_path) {
    if (config.gzip_all) return true;
    for (const auto& dir : config.gzip_dir)
        if (!dir.empty() && file_path.starts_with(dir)) return true;
    return ends_with_any(file_path, config.gzip_ext);
}

long expires_seconds(const StaticConfig& config, std::string_view file_path, std::string_view uri,
                     std::string_view media_type) {
    for (const auto& rule : config.expires_file)
        if (std::regex_search(file_path.begin(), file_path.end(), rule.pattern)) return rule.seconds;
    for (const auto& rule : config.expires_uri)
        if (std::regex_search(uri.begin(), uri.end(), rule.pattern)) return rule.seconds;
    for (const auto& [type, seconds] : config.expires_type)
        if (type == media_type) return seconds;
    return -1;
}

}  // namespace appserver
