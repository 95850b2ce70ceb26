// Validation after the merge, so that an ini value overridden on the command line is not judged.
// Address syntax is left to the socket code, which has to parse addresses anyway.

#include "config/validate.h"

#include <cstdio>
#include <filesystem>

#include "appserver/ascii.h"
#include "config/cache_spec.h"
#include "config/cheaper_algo.h"
#include "config/daemon_spec.h"
#include "log/log_target.h"
#include "proto/forwarded.h"
#include "proto/response_head.h"
#include "signals/cron.h"
#include "static/static_map.h"

namespace appserver::config {
namespace {

constexpr std::size_t kMinBufferSize = 1024;
// uWSGI stops at 65535 (a 16-bit packet size); an HTTP head has no such limit, and some clients send
// huge cookies, so allow up to 1 MiB.
constexpr std::size_t kMaxBufferSize = 1024 * 1024;

std::string at_least_one(const char* name, int value) {
    if (value >= 1) return "";
    return std::string("option ") + name + ": must be at least 1, got " + std::to_string(value);
}

std::string check_numbers(const Options& o) {
    for (auto [name, value] :
         {std::pair{"processes", o.processes}, {"threads", o.threads}, {"listen", o.listen},
          // 0 would drop every request that does not arrive in one read (a split head, a body).
          {"http-timeout", o.http_timeout}}) {
        if (std::string error = at_least_one(name, value); !error.empty()) return error;
    }
    if (o.buffer_size < kMinBufferSize || o.buffer_size > kMaxBufferSize)
        return "option buffer-size: " + std::to_string(o.buffer_size) + " is out of range (" +
               std::to_string(kMinBufferSize) + " to " + std::to_string(kMaxBufferSize) + " bytes)";
    return "";
}

// A bad cache2 stops the start (uWSGI exits too), and --check-config says so.
std::string check_caches(const Options& o) {
    std::vector<CacheSpec> specs;
    std::string error;
    if (!cache_specs(o, specs, error)) return "option " + error;
    return "";
}

std::string check_env(const Options& o) {
    for (const std::string& entry : o.env) {
        std::size_t eq = entry.find('=');
        if (eq == std::string::npos || eq == 0) return "option env: \"" + entry + "\" is not NAME=VALUE";
    }
    return "";
}

// uWSGI exits on a bad cron line; so does the start here (the same parse the master uses).
std::string check_crons(const Options& o) {
    std::string error;
    for (const auto* list : {&o.cron, &o.unique_cron})
        for (const std::string& line : *list)
            if (!cron::parse_cron(line, error)) return "option " + std::string(list == &o.cron ? "cron" : "unique-cron") + ": " + error;
    for (const std::string& line : o.cron2)
        if (!cron::parse_cron2(line, error)) return "option cron2: " + error;
    for (const auto* list : {&o.timer, &o.rbtimer})
        for (const std::string& line : *list) {
            int sig = -1, secs = 0;
            char extra = 0;
            if (std::sscanf(line.c_str(), "%d %d %c", &sig, &secs, &extra) != 2 || sig < 0 || sig > 255 || secs <= 0)
                return "option " + std::string(list == &o.timer ? "timer" : "rbtimer") + ": \"" + line +
                       "\" is not SIGNAL SECONDS (signal 0..255, seconds > 0)";
        }
    return "";
}

std::string check_chmod(const Options& o) {
    const std::string& mode = o.chmod_socket;
    if (mode.empty()) return "";
    if (mode.size() < 3 || mode.size() > 4 || mode.find_first_not_of("01234567") != std::string::npos)
        return "option chmod-socket: \"" + mode + "\" is not an octal mode such as 660";
    return "";
}

std::string check_umask(const Options& o) {
    const std::string& mask = o.umask;
    if (mask.empty()) return "";
    if (mask.size() > 4 || mask.find_first_not_of("01234567") != std::string::npos)
        return "option umask: \"" + mask + "\" is not an octal mask such as 022";
    return "";
}

// The same parse the workers use (startup.cpp), so a list that passes here cannot fail there.
std::string check_forwarded(const Options& o) {
    TrustedProxies trusted;
    std::string error;
    for (const std::string& entry : o.forwarded_allow_ips)
        if (!trusted.add(entry, error)) return "option forwarded-allow-ips: " + error;
    return "";
}

// The same parse the start uses (log::open_targets), so a target that passes here cannot fail there.
std::string check_loggers(const Options& o) {
    log::TargetSpec spec;
    std::string error;
    for (const std::string& entry : o.logger)
        if (!log::parse_target(entry, spec, error)) return "option logger: " + error;
    for (const std::string& entry : o.req_logger)
        if (!log::parse_target(entry, spec, error)) return "option req-logger: " + error;
    return "";
}

std::string check_application(const Options& o) {
    namespace fs = std::filesystem;
    // No address is fine here: socket activation may pass the sockets (run_server refuses a start
    // with nothing to listen on).
    if (o.wsgi_file.empty() && o.module.empty() && o.mounted_apps.empty())
        return "no application: give --wsgi-file or --module";
    std::error_code ec;
    if (!o.chdir.empty() && !fs::is_directory(o.chdir, ec)) return "chdir: directory not found: " + o.chdir;
    auto missing = [&](const std::string& path) {
        fs::path file(path);
        if (file.is_relative() && !o.chdir.empty()) file = fs::path(o.chdir) / file;
        return fs::is_regular_file(file, ec) ? std::string() : file.string();
    };
    if (!o.wsgi_file.empty())
        if (std::string file = missing(o.wsgi_file); !file.empty()) return "wsgi-file not found: " + file;
    for (const Options::MountedApp& m : o.mounted_apps)
        if (!m.wsgi_file.empty())
            if (std::string file = missing(m.wsgi_file); !file.empty())
                return "mount " + m.mountpoint + ": file not found: " + file;
    return "";
}

// Mappings, directories, regexes, mime files: built here once to be checked (the workers build theirs).
std::string check_static_files(const Options& o) {
    std::string error;
    if (!make_static_config(o, o.chdir, error)) return error;
    return "";
}

std::string check_headers(const Options& o) {
    std::pair<std::string, std::string> header;
    for (const std::string& line : o.add_header)
        if (!parse_header_line(line, header))
            return "option add-header: \"" + line + "\" is not a header line such as \"X-Frame-Options: DENY\"";
    for (const std::string& name : o.del_header)
        if (!ascii::is_token(name)) return "option del-header: \"" + name + "\" is not a header name";
    return "";
}

std::string check_harakiri(const Options& o) {
    if (o.harakiri_graceful_timeout < 0) return "option harakiri-graceful-timeout: must be 0 or more";
    if (o.harakiri_graceful_signal < 1 || o.harakiri_graceful_signal > 64)
        return "option harakiri-graceful-signal: " + std::to_string(o.harakiri_graceful_signal) +
               " is not a signal number (1 to 64)";
    return "";
}

// uWSGI refuses the same: the fewest workers must be fewer than the most.
std::string check_cheaper(const Options& o) {
    if (o.cheaper <= 0) return "";
    if (o.cheaper >= o.processes)
        return "option cheaper: " + std::to_string(o.cheaper) + " must be lower than processes (" +
               std::to_string(o.processes) + ")";
    if (o.cheaper_initial != 0 && (o.cheaper_initial < o.cheaper || o.cheaper_initial > o.processes))
        return "option cheaper-initial: " + std::to_string(o.cheaper_initial) + " must be between cheaper (" +
               std::to_string(o.cheaper) + ") and processes (" + std::to_string(o.processes) + ")";
    if (o.cheaper_step < 1) return "option cheaper-step: must be at least 1";
    if (o.cheaper_overload < 1) return "option cheaper-overload: must be at least 1";
    CheaperAlgo algo{};
    std::string note, error;
    if (!parse_cheaper_algo(o.cheaper_algo, algo, note, error)) return error;
    return "";
}

// The same parse the master uses (startup.cpp), so a daemon that passes here starts there.
std::string check_daemons(const Options& o) {
    std::string error;
    for (auto [key, list] : {std::pair{"attach-daemon", &o.attach_daemon}, {"attach-daemon2", &o.attach_daemon2},
                             {"smart-attach-daemon", &o.smart_attach_daemon},
                             {"smart-attach-daemon2", &o.smart_attach_daemon2}})
        for (const std::string& value : *list)
            if (!parse_daemon_spec(key, value, error)) return error;
    return "";
}

}  // namespace

std::string validate_options(const Options& options) {
    switch (options.command) {
        case Command::help:
        case Command::version:
        case Command::stop:
        case Command::reload:
        case Command::reopen_logs: return "";  // nothing will be served
        case Command::run:
        case Command::check_config: break;
    }
    for (auto check : {check_numbers, check_env, check_crons, check_chmod, check_umask, check_forwarded,
                       check_loggers, check_application, check_static_files, check_headers, check_daemons,
                       check_caches, check_cheaper, check_harakiri}) {
        if (std::string error = check(options); !error.empty()) return error;
    }
    return "";
}

}  // namespace appserver::config
