#pragma once
// Static files as uWSGI maps them: which directories (or files) a request path may be found in,
// and the rules that go with them (index files, skipped extensions, gzip, Expires). Built once from
// the options; read-only afterwards, so every worker thread may use it. Pure: no I/O but the
// mime.types file read at build time.

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "appserver/options.h"
#include "static/mime_types.h"

namespace appserver {

struct StaticMount {
    enum class Kind {
        check,   // check-static = DIR: DIR + the whole path, for every request
        prefix,  // static-map = /mount=DIR: DIR + the path after /mount
        full,    // static-map2 = /mount=DIR: DIR + the whole path
    };
    Kind kind = Kind::prefix;
    std::string mountpoint;  // "" for check-static (matches every path)
    std::string target;      // the directory (or, for a mapping, a single file) as configured
    bool is_file = false;    // the target is a regular file: served for the mountpoint itself
};

struct ExpiresRule {
    std::regex pattern;
    long seconds = 0;
};

struct StaticConfig {
    std::vector<StaticMount> mounts;  // in uWSGI's order: check-static, static-map, static-map2
    std::vector<std::string> index;
    std::vector<std::string> skip_ext;
    std::vector<std::string> safe;
    MimeTypes mime;
    std::vector<std::pair<std::string, long>> expires_type;  // media type -> seconds
    std::vector<ExpiresRule> expires_file;                   // regex over the file's path
    std::vector<ExpiresRule> expires_uri;                    // regex over REQUEST_URI
    bool gzip_all = false;
    std::vector<std::string> gzip_dir;  // path prefixes (of the file's path)
    std::vector<std::string> gzip_ext;  // suffixes
    bool honour_range = true;
    // What the operator should hear at start: a mapped path that does not exist (yet).
    std::vector<std::string> notes;

    bool enabled() const { return !mounts.empty(); }
};

// Checks and builds the static configuration. Null with one line naming the key in `error` when a
// value is wrong: a mapping without '=' or not starting with '/', a path that is neither a directory
// nor a file (a static-map path that does not exist yet is kept, with a note, as uWSGI keeps it: a
// Django MEDIA_ROOT appears with the first upload), a regex that does not compile, a number that is not one, an unreadable mimefile. Relative
// paths stay relative: the workers resolve them in their directory (chdir), as uWSGI does; they are
// checked here under `base_dir` ("" = the current directory).
std::shared_ptr<const StaticConfig> make_static_config(const Options& options, const std::string& base_dir,
                                                       std::string& error);

// A path with a ".." segment, a NUL or a backslash is never looked up on disk: the request goes to
// the application as if no static file matched.
bool is_safe_request_path(std::string_view path);

// Whether `name` ends with one of static-skip-ext's suffixes (never served).
bool skipped_extension(const StaticConfig& config, std::string_view name);

// One place to look for a request path: `relative` under the mount's target ("" = the target itself,
// a directory or the mapped file). No leading '/'.
struct StaticCandidate {
    const StaticMount* mount = nullptr;
    std::string relative;
};

// Where `path` (the decoded PATH_INFO) may be found, in order. Empty when no mount matches, the path
// is unsafe or has a skipped extension. A mountpoint matches the path itself and what is below it
// ("/static" matches "/static" and "/static/x", not "/staticx").
std::vector<StaticCandidate> static_candidates(const StaticConfig& config, std::string_view path);

// Whether a gzip variant is looked for: static-gzip-all, or the file's path starts with a
// static-gzip-dir or ends with a static-gzip-ext.
bool gzip_rule_applies(const StaticConfig& config, std::string_view file_path);

// Seconds until the response expires (static-expires over the file's path, then static-expires-uri,
// then static-expires-type over the media type; the first match wins); -1 when none matches.
long expires_seconds(const StaticConfig& config, std::string_view file_path, std::string_view uri,
                     std::string_view media_type);

}  // namespace appserver
