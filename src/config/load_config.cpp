// load_config(): command line, then ini files, then merge, then validate.
//
// Merge rule: ini settings are applied first, in file order, then command-line settings, in argv
// order. So the command line wins for single-valued keys wherever --ini appears, and list keys
// (http, socket, env, pythonpath, ...) hold the ini entries followed by the command line's.

#include <cstdlib>
#include <exception>

#include "appserver/config.h"
#include "config/app_source.h"
#include "config/cli.h"
#include "config/ini_loader.h"
#include "config/option_value.h"
#include "config/placeholders.h"
#include "config/validate.h"

namespace appserver {
namespace {

using namespace config;

// --help and --version answer even when the rest of the line is wrong.
Command early_command(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") return Command::help;
        if (arg == "--version") return Command::version;
    }
    return Command::run;
}

std::string apply_all(const std::vector<Setting>& settings, Options& out) {
    for (const Setting& setting : settings) {
        if (std::string error = apply_value(*setting.spec, setting.value, out); !error.empty())
            return origin_prefix(setting.origin) + error;
    }
    return "";
}

// uWSGI's `protocol` (`socket-protocol`) sets what `socket` entries speak. `http` (or `http11`) makes
// them HTTP listeners, the same as `http-socket`; uwsgi is the default. Others cannot be served here:
// refused when there is a `socket` for them to apply to, since the front end could not talk to it.
std::string apply_socket_protocol(Options& options) {
    std::string& protocol = options.protocol;
    if (protocol.empty() || protocol == "uwsgi") return "";
    if (protocol == "http" || protocol == "http11") {
        options.http_socket.insert(options.http_socket.end(), options.socket.begin(), options.socket.end());
        options.socket.clear();
        return "";
    }
    if (options.socket.empty()) return "";
    return "option protocol: \"" + protocol +
           "\" is not served here (socket entries speak uwsgi, or http with protocol = http); put TLS, "
           "FastCGI or SCGI in the front proxy";
}

ConfigResult load_full(int argc, const char* const* argv, Options& out);

ConfigResult load(int argc, const char* const* argv, Options& out) {
    Options options;
    if (Command early = early_command(argc, argv); early != Command::run) {
        // --version lists the plugins in the `plugins-dir` directories too, when the rest parses.
        if (Options full; early == Command::version && load_full(argc, argv, full).ok)
            options.plugins_dir = full.plugins_dir;
        options.command = early;
        out = std::move(options);
        return {};
    }
    return load_full(argc, argv, out);
}

ConfigResult load_full(int argc, const char* const* argv, Options& out) {
    Options options;
    CommandLine cli;
    std::string error;
    if (!parse_command_line(argc, argv, cli, error)) return {false, error, {}};
    options.command = cli.command;
    options.control_pidfile = cli.control_pidfile;
    options.ini = cli.ini;

    IniLoader loader(default_placeholder_context());
    bool finished = false;
    // A failure carries the warnings gathered so far, unknown keys included: they often explain it.
    auto fail = [&](std::string message) {
        ConfigResult result{false, std::move(message), cli.warnings};
        if (!finished) {
            std::string ignored;
            loader.finish(false, ignored);
        }
        result.warnings.insert(result.warnings.end(), loader.warnings().begin(), loader.warnings().end());
        return result;
    };
    for (const std::string& spec : cli.ini) {
        if (!loader.load(spec, error)) return fail(error);
    }
    if (error = apply_all(loader.settings(), options); !error.empty()) return fail(error);
    if (error = apply_all(cli.settings, options); !error.empty()) return fail(error);
    // strict may come from either place, so unknown keys are judged after the merge.
    finished = true;
    if (!loader.finish(options.strict, error)) return fail(error);

    if (options.home.empty()) {
        if (const char* venv = std::getenv("VIRTUAL_ENV"); venv && *venv) options.home = venv;
    }
    options.exported = cli.exported;
    options.exported.insert(options.exported.end(), loader.exported().begin(), loader.exported().end());
    options.warnings = cli.warnings;
    options.warnings.insert(options.warnings.end(), loader.warnings().begin(), loader.warnings().end());
    if (error = resolve_app_source(options, loader.settings(), cli.settings); !error.empty())
        return {false, error, options.warnings};
    if (error = apply_socket_protocol(options); !error.empty()) return {false, error, options.warnings};
    if (error = validate_options(options); !error.empty()) return {false, error, options.warnings};
    out = std::move(options);
    return {};
}

}  // namespace

// `out` is replaced only on success, so a failed reload leaves the running configuration alone.
ConfigResult load_config(int argc, const char* const* argv, Options& out) {
    try {
        return load(argc, argv, out);
    } catch (const std::exception& e) {
        return {false, std::string("configuration: ") + e.what(), {}};
    } catch (...) {
        return {false, "configuration: unexpected error", {}};
    }
}

}  // namespace appserver
