#pragma once
// Turning one option's text into a typed value in Options, with the one-line errors users see.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "appserver/options.h"
#include "config/option_table.h"

namespace appserver::config {

// Where a value was written: an ini file and line, or the command line (empty file).
struct Origin {
    std::string file;
    int line = 0;
};

// "uwsgi.ini:7: " for ini files, "" for the command line: the prefix of every error and warning.
std::string origin_prefix(const Origin& origin);

// The file name a ConfigWarning carries.
std::string origin_file(const Origin& origin);

// One `key = value` that names an option, waiting to be applied to Options.
struct Setting {
    const OptionSpec* spec = nullptr;
    std::string value;
    Origin origin;
};

// true/True/TRUE/yes/on/1 and false/.../0. nullopt for anything else.
std::optional<bool> parse_bool(std::string_view text);

// Where an inline comment starts in an ini value: the first run of spaces or tabs followed by '#' or
// ';' (its first blank). npos when there is none. `a#b` and `a;b` are not comments.
std::size_t inline_comment_start(std::string_view value);

// Checks `value` against the option's kind and stores it in `out` (lists append). Returns "" on success,
// else a one-line error naming the option and the value, without the origin prefix.
std::string apply_value(const OptionSpec& spec, std::string_view value, Options& out);

// The one-line warning for an unsupported uWSGI key, as typed (`key`): "mule: uWSGI option not supported
// here, ignored. NOTE", NOTE saying what to use instead or which issue plans it.
std::string unsupported_message(const OptionSpec& spec, std::string_view key);

// What every key goes through, from the command line or an ini file, once its value is known:
// stored options become a Setting (checked when applied), no-ops are checked and dropped (plugins
// other than the known ones warn); unsupported keys warn unsupported_message() once per key.
// Returns "" or a one-line error with the origin prefix.
struct AcceptState {
    std::vector<Setting>& settings;
    std::vector<ConfigWarning>& warnings;
    std::set<std::string>& unsupported_warned;
    std::vector<ExportedOption>& exported;  // every key accepted, for uwsgi.opt
};
// `bare_flag`: a boolean given on the command line without a value (exported as True).
std::string accept_option(const OptionSpec& spec, std::string_view key, std::string_view value,
                          const Origin& origin, AcceptState& state, bool bare_flag = false);

}  // namespace appserver::config
