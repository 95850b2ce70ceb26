// Command-line parsing, driven by the option table. Differences from uWSGI's getopt, on purpose:
// an unknown option is an error (not ignored), and a boolean never takes the next argument as its
// value (`--master false` would be ambiguous); use `--master=false`.
//
// A bare argument ending in `.ini` (or `.ini:section`) is read as `--ini`, since `uwsgi app.ini`
// works in uWSGI; any other bare argument is an error.

#include "config/cli.h"

#include <string_view>

#include "config/option_table.h"

namespace appserver::config {
namespace {

bool looks_like_ini(std::string_view arg) {
    return arg.ends_with(".ini") || arg.find(".ini:") != std::string_view::npos;
}

// A following argument that is itself an option cannot be a value (`--http --wsgi-file app.py`).
bool is_option(std::string_view arg) { return arg.size() > 2 && arg.starts_with("--"); }

}  // namespace

bool parse_command_line(int argc, const char* const* argv, CommandLine& out, std::string& error) {
    std::set<std::string> unsupported_warned;
    AcceptState state{out.settings, out.warnings, unsupported_warned, out.exported};

    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const OptionSpec* spec = nullptr;
        std::string shown;  // the option as the user typed it, for messages
        std::optional<std::string> inline_value;

        if (arg.starts_with("--") && arg.size() > 2) {
            std::string_view body = arg.substr(2);
            std::size_t eq = body.find('=');
            if (eq != std::string_view::npos) inline_value = std::string(body.substr(eq + 1));
            std::string_view name = body.substr(0, eq);
            shown = "--" + std::string(name);
            spec = find_option(name);
            if (!spec) {
                error = "unknown option " + shown;
                if (std::string_view suggestion = suggest_option(name); !suggestion.empty())
                    error += " (did you mean --" + std::string(suggestion) + "?)";
                return false;
            }
        } else if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
            shown = std::string(arg);
            spec = find_short_option(arg[1]);
            if (!spec) {
                error = "unknown option " + shown;
                return false;
            }
        } else if (arg.starts_with("-")) {
            error = "unknown option " + std::string(arg) +
                    (arg.size() > 2 ? " (long options start with --)" : "");
            return false;
        } else if (looks_like_ini(arg)) {
            out.ini.emplace_back(arg);
            out.exported.push_back({"ini", std::string(arg)});
            continue;
        } else {
            error = "unexpected argument \"" + std::string(arg) +
                    "\" (options start with --; give an ini file as --ini FILE)";
            return false;
        }

        std::string value;
        const bool bare_flag = !inline_value && spec->kind == OptionKind::boolean;
        if (inline_value) {
            value = *inline_value;
        } else if (spec->kind == OptionKind::boolean) {
            value = "true";
        } else if (i + 1 < argc && !is_option(argv[i + 1])) {
            value = argv[++i];
        } else if (!spec->bare_value.empty()) {
            value = spec->bare_value;
        } else {
            error = "option " + shown + " needs a value";
            return false;
        }

        if (spec->command != Command::run) {
            if (spec->kind == OptionKind::boolean) {
                std::optional<bool> on = parse_bool(value);
                if (!on) {
                    error = "option " + shown + ": \"" + value + "\" is not a boolean";
                    return false;
                }
                if (!*on) continue;
            }
            if (out.command != Command::run && out.command != spec->command) {
                error = "option " + shown + " cannot be combined with another command";
                return false;
            }
            out.command = spec->command;
            if (spec->kind == OptionKind::string) {
                if (value.empty()) {
                    error = "option " + shown + " needs a value";
                    return false;
                }
                out.control_pidfile = value;
            }
            continue;
        }
        if (spec->name == "ini") {
            if (value.empty()) {
                error = "option " + shown + " needs a value";
                return false;
            }
            out.ini.push_back(value);
            out.exported.push_back({"ini", value});
            continue;
        }
        // Messages name the key: as typed for a long form, the long name for a one-letter form (`-Q`).
        const std::string key = arg.starts_with("--") ? shown.substr(2) : std::string(spec->name);
        error = accept_option(*spec, key, value, Origin{}, state, bare_flag);
        if (!error.empty()) return false;
    }
    return true;
}

}  // namespace appserver::config
