// Typed values. Numbers are strict on purpose: "4 workers", "-1" or "1e3" in a config are typos that
// uWSGI's atoi() would silently turn into 4, -1 or 1; here they are errors that name the option.

#include "config/option_value.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "config/ini_logic.h"
#include "config/plugin_names.h"

namespace appserver::config {
namespace {

std::string quoted(std::string_view value) { return "\"" + std::string(value) + "\""; }

std::string option_label(const OptionSpec& spec) { return "option " + std::string(spec.name) + ": "; }

// A non-negative decimal number no larger than `max`.
std::string parse_unsigned(const OptionSpec& spec, std::string_view text, std::uint64_t max,
                           std::uint64_t& out) {
    if (text.empty()) return option_label(spec) + "needs a number";
    if (text.front() == '-' && text.size() > 1 &&
        text.find_first_not_of("0123456789", 1) == std::string_view::npos)
        return option_label(spec) + quoted(text) + " must not be negative";
    if (text.find_first_not_of("0123456789") != std::string_view::npos)
        return option_label(spec) + quoted(text) + " is not a number";
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec == std::errc::result_out_of_range || out > max)
        return option_label(spec) + quoted(text) + " is too large (at most " + std::to_string(max) + ")";
    if (ec != std::errc() || end != text.data() + text.size())
        return option_label(spec) + quoted(text) + " is not a number";
    return "";
}

std::string check_kind(const OptionSpec& spec, std::string_view value) {
    std::uint64_t number = 0;
    switch (spec.kind) {
        case OptionKind::boolean:
            if (!parse_bool(value))
                return option_label(spec) + quoted(value) +
                       " is not a boolean (use true/false, yes/no, on/off or 1/0)";
            return "";
        case OptionKind::integer: return parse_unsigned(spec, value, std::numeric_limits<int>::max(), number);
        case OptionKind::toggle:
            if (parse_bool(value)) return "";
            return parse_unsigned(spec, value, std::numeric_limits<int>::max(), number);
        case OptionKind::size:
            return parse_unsigned(spec, value, std::numeric_limits<std::uint64_t>::max(), number);
        case OptionKind::string:
        case OptionKind::list: return "";
    }
    return "";
}

// uWSGI configs name the plugins they need (`plugins = http,python3`); the known ones are silent
// (config/plugin_names.h). Anything else (router_static, cheaper_busyness, ...) is a feature appserver
// does not have.
void check_plugins(std::string_view value, const Origin& origin, std::vector<ConfigWarning>& warnings) {
    for (const std::string& name : split_plugin_names(value))
        if (!is_known_plugin(name) && !is_plugin_path(name))
            warnings.push_back({origin_file(origin), origin.line, "plugin " + name + ": not supported, ignored"});
}

}  // namespace

std::string unsupported_message(const OptionSpec& spec, std::string_view key) {
    std::string message = std::string(key) + ": uWSGI option not supported here, ignored";
    std::string_view note = spec.note;
    while (note.ends_with('.')) note.remove_suffix(1);
    if (note.empty()) return message;
    std::string sentence(note);
    sentence[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[0])));
    return message + ". " + sentence;
}

std::string accept_option(const OptionSpec& spec, std::string_view key, std::string_view value,
                          const Origin& origin, AcceptState& state, bool bare_flag) {
    // The ini loader handles config logic before it gets here: this is the command line.
    if (is_logic_key(spec.name))
        return origin_prefix(origin) + "option " + std::string(spec.name) +
               ": config logic (if-*, else, endif, for, endfor) is read in ini files only";
    // uWSGI exports every option it was given, no-ops and ones it ignores included.
    state.exported.push_back(
        {std::string(key), bare_flag ? std::nullopt : std::optional<std::string>(std::string(value))});
    if (spec.status == OptionStatus::unsupported) {
        if (state.unsupported_warned.insert(std::string(spec.name)).second)
            state.warnings.push_back({origin_file(origin), origin.line, unsupported_message(spec, key)});
        return "";
    }
    if (std::holds_alternative<std::monostate>(spec.field)) {
        if (std::string error = check_kind(spec, value); !error.empty()) return origin_prefix(origin) + error;
        return "";
    }
    if (spec.name == "plugins") check_plugins(value, origin, state.warnings);
    state.settings.push_back({&spec, std::string(value), origin});
    return "";
}

std::string origin_prefix(const Origin& origin) {
    if (origin.file.empty()) return "";
    if (origin.line <= 0) return origin.file + ": ";
    return origin.file + ":" + std::to_string(origin.line) + ": ";
}

std::string origin_file(const Origin& origin) { return origin.file.empty() ? "command line" : origin.file; }

std::size_t inline_comment_start(std::string_view value) {
    for (std::size_t i = 1; i < value.size(); ++i) {
        if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
            std::size_t blank = value.find_last_not_of(" \t", i - 1);
            return blank == std::string_view::npos ? 0 : blank + 1;
        }
    }
    return std::string_view::npos;
}

std::optional<bool> parse_bool(std::string_view text) {
    static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                                 "YES",  "on",   "On",   "ON",  "1"};
    static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no",  "No",
                                                  "NO",    "off",   "Off",   "OFF", "0"};
    for (std::string_view t : kTrue)
        if (text == t) return true;
    for (std::string_view f : kFalse)
        if (text == f) return false;
    return std::nullopt;
}

std::string apply_value(const OptionSpec& spec, std::string_view value, Options& out) {
    if (std::string error = check_kind(spec, value); !error.empty()) return error;
    struct Store {
        std::string_view value;
        Options& out;
        void operator()(std::monostate) const {}
        void operator()(std::string Options::*m) const { out.*m = std::string(value); }
        void operator()(bool Options::*m) const { out.*m = *parse_bool(value); }
        void operator()(std::vector<std::string> Options::*m) const { (out.*m).emplace_back(value); }
        void operator()(int Options::*m) const {
            if (std::optional<bool> flag = parse_bool(value)) {  // a toggle: on is 1, off is 0
                out.*m = *flag ? 1 : 0;
                return;
            }
            std::from_chars(value.data(), value.data() + value.size(), out.*m);
        }
        void operator()(std::uint64_t Options::*m) const {
            std::from_chars(value.data(), value.data() + value.size(), out.*m);
        }
    };
    std::visit(Store{value, out}, spec.field);
    return "";
}

}  // namespace appserver::config
