// The ini side of the configuration, following uWSGI: a value is expanded when its line is read, so
// `%(name)` sees only what came before it (across includes, which are read in place), and every key,
// known or not, becomes a variable for later lines.
//
// Unknown keys: uWSGI keeps them silently, which hides typos. We warn (error with strict), except for
// a key that some %(name) uses: that key is plainly a user variable (`base = /srv/app`).

#include "config/ini_loader.h"

#include <algorithm>
#include <filesystem>

namespace appserver::config {
namespace fs = std::filesystem;

namespace {

// The identity of a file for includes and cycles: its canonical path when it exists.
std::string canonical_or_given(const std::string& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
    return ec ? path : canonical.string();
}

// `wsgi-file haha.py`: a known key, blanks, then a value, with the '=' forgotten. uWSGI ignores such
// a line silently; here the warning shows the line as it was meant. "" when the key is not of that shape.
std::string missing_equals_fix(std::string_view line) {
    std::size_t blank = line.find_first_of(" \t");
    if (blank == std::string_view::npos) return "";
    std::size_t value = line.find_first_not_of(" \t", blank);
    if (value == std::string_view::npos) return "";
    std::string_view key = line.substr(0, blank);
    if (find_option(key) == nullptr) return "";
    return std::string(key) + " = " + std::string(line.substr(value));
}

}  // namespace

IniSpec split_ini_spec(const std::string& spec) {
    if (spec.starts_with(':')) return {"", spec.substr(1)};
    std::error_code ec;
    if (fs::exists(spec, ec)) return {spec, ""};
    std::size_t colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0) return {spec, ""};
    std::string section = spec.substr(colon + 1);
    if (section.find('/') != std::string::npos) return {spec, ""};
    return {spec.substr(0, colon), section};
}

IniLoader::IniLoader(PlaceholderContext context) : context_(std::move(context)) {
    context_.variables = &variables_;
}

bool IniLoader::load(const std::string& spec, std::string& error) {
    IniSpec where = split_ini_spec(spec);
    if (where.path.empty()) {
        error = "--ini " + spec + ": a section alone (:name) is only valid inside an ini file";
        return false;
    }
    if (context_.main_file_path.empty()) {  // the first ini file: uWSGI's upper-case letters
        context_.main_file_path = where.path;
        context_.main_section = where.section;
    }
    if (!load_file(where.path, where.section, Origin{}, error)) return false;
    // uWSGI applies `inherit` files after the rest of the configuration (checked with uWSGI 2.0.21:
    // `inherit = base.ini` with `processes = 4` there beats `processes = 2` in the inheriting file).
    while (!inherits_.empty()) {
        Inherit next = std::move(inherits_.front());
        inherits_.erase(inherits_.begin());
        if (!include(next.includer, next.value, next.origin, error)) return false;
    }
    return true;
}

bool IniLoader::load_file(const std::string& path, const std::string& section, const Origin& from,
                          std::string& error) {
    const std::string key = canonical_or_given(path);
    auto it = documents_.find(key);
    if (it == documents_.end()) {
        IniDocument doc;
        if (!read_ini_file(path, doc, error)) {
            // A missing included file is the includer's line's fault: say where it was named.
            if (error.starts_with("ini file not found")) error = origin_prefix(from) + error;
            return false;
        }
        it = documents_.emplace(key, std::move(doc)).first;
    }
    const IniDocument& doc = it->second;

    std::vector<std::string> sections;
    if (!section.empty()) {
        if (std::find(doc.sections.begin(), doc.sections.end(), section) == doc.sections.end()) {
            error = origin_prefix(from) + path + ": no section [" + section + "]";
            return false;
        }
        sections.push_back(section);
    } else {
        // [uwsgi] is what existing configs have; [appserver] lets a file carry our own section too.
        for (const char* name : {"uwsgi", "appserver"}) {
            if (std::find(doc.sections.begin(), doc.sections.end(), name) != doc.sections.end())
                sections.emplace_back(name);
        }
        if (sections.empty()) {
            error = origin_prefix(from) + path + ": no [uwsgi] or [appserver] section";
            return false;
        }
    }

    for (const std::string& name : sections) {
        const std::string frame = key + "[" + name + "]";
        if (std::find(stack_.begin(), stack_.end(), frame) != stack_.end()) {
            error =
                origin_prefix(from) + "ini include cycle: " + path + " [" + name + "] is already being read";
            return false;
        }
        if (static_cast<int>(stack_.size()) >= kMaxDepth) {
            error = origin_prefix(from) + "ini files nested more than " + std::to_string(kMaxDepth) + " deep";
            return false;
        }
        stack_.push_back(frame);
        const std::string includer_section = section_;
        section_ = section;  // %x: only a section named explicitly, as uWSGI
        bool ok = read_section(doc, name, error);
        section_ = includer_section;
        stack_.pop_back();
        if (!ok) return false;
    }
    return true;
}

// Lines are read under the config-logic blocks open around them: skipped inside a false block,
// repeated (with %(_) substituted) inside a for. Blocks end with their section.
bool IniLoader::read_section(const IniDocument& doc, const std::string& section, std::string& error) {
    IniBlocks blocks;
    for (const IniEntry& entry : doc.entries) {
        if (entry.section != section) continue;
        const std::string name = normalize_key(entry.key);
        if (is_logic_key(name)) {
            if (!handle_logic(doc, entry, name, blocks, error)) return false;
            continue;
        }
        const std::vector<Binding> bindings = blocks.active();
        for (const Binding& binding : bindings) {
            IniEntry line = entry;
            if (!entry.bare) line.value = substitute_underscore(entry.value, binding);
            if (!handle_entry(doc, line, error)) return false;
        }
    }
    int line = 0;
    if (std::string open = blocks.finish(line); !open.empty()) {
        error = origin_prefix(Origin{doc.path, line}) + open;
        return false;
    }
    return true;
}

bool IniLoader::handle_logic(const IniDocument& doc, const IniEntry& entry, const std::string& name,
                             IniBlocks& blocks, std::string& error) {
    const Origin origin{doc.path, entry.line};
    LogicEnvironment env;
    env.expand = [&](const std::string& raw, const Binding& binding) {
        context_.file_path = doc.path;
        context_.section = section_;
        Expansion expanded = expand_placeholders(substitute_underscore(raw, binding), context_);
        for (const std::string& used : expanded.referenced) referenced_.insert(normalize_key(used));
        for (std::string& message : expanded.warnings) warn(origin, std::move(message));
        return std::move(expanded.value);
    };
    env.getenv = context_.getenv;
    env.option = [this](const std::string& key) -> std::optional<std::string> {
        referenced_.insert(normalize_key(key));  // a key if-opt tests is a variable on purpose
        auto it = variables_.find(key);
        if (it == variables_.end()) it = variables_.find(normalize_key(key));
        if (it == variables_.end()) return std::nullopt;
        return it->second;
    };
    env.hostname = context_.hostname;
    std::vector<std::string> messages;
    std::string problem = blocks.handle(name, entry.bare ? "" : entry.value, entry.line, env, messages);
    for (std::string& message : messages) warn(origin, entry.key + ": " + message);
    if (problem.empty()) return true;
    error = origin_prefix(origin) + problem;
    return false;
}

void IniLoader::warn(const Origin& origin, std::string message) {
    warnings_.push_back({origin_file(origin), origin.line, std::move(message)});
}

bool IniLoader::handle_entry(const IniDocument& doc, const IniEntry& entry, std::string& error) {
    const Origin origin{doc.path, entry.line};
    const std::string name = normalize_key(entry.key);
    const OptionSpec* spec = find_option(name);

    std::string value;
    if (entry.bare) {
        // A key alone on its line: true for booleans (and for variables and ignored keys).
        if (spec && spec->kind != OptionKind::boolean && spec->status != OptionStatus::unsupported) {
            if (spec->bare_value.empty()) {
                error = origin_prefix(origin) + "option " + std::string(spec->name) + " needs a value";
                return false;
            }
            value = spec->bare_value;
        } else {
            value = "true";
        }
    } else {
        context_.file_path = doc.path;
        context_.section = section_;
        Expansion expanded = expand_placeholders(entry.value, context_);
        for (const std::string& used : expanded.referenced) referenced_.insert(normalize_key(used));
        // Keys we ignore anyway get no placeholder warnings (a log format's %(status) is not ours).
        const bool ignored = spec && spec->status == OptionStatus::unsupported;
        if (!ignored) {
            for (std::string& message : expanded.warnings) warn(origin, std::move(message));
        }
        value = std::move(expanded.value);
    }
    // Variables keep the text verbatim, as uWSGI's %(name) does; only the option's value is cleaned.
    variables_[entry.key] = value;
    variables_[name] = value;
    if (spec && !entry.bare && spec->status != OptionStatus::unsupported)
        check_inline_comment(*spec, entry.key, value, origin);

    if (name == "ini") return include(doc.path, value, origin, error);
    // uWSGI's include (read at once, like ini) and inherit (read last) take any config format; .ini
    // files are read here, other formats fall through to the catalogue's "not supported" warning.
    if (name == "include" && value.ends_with(".ini")) return include(doc.path, value, origin, error);
    if (name == "inherit" && value.ends_with(".ini")) {
        inherits_.push_back({doc.path, value, origin});
        return true;
    }
    if (!spec) {
        unknown_.push_back({origin, entry.key});
        return true;
    }
    if (spec->command != Command::run) {
        warn(origin, entry.key + ": only valid on the command line, ignored");
        return true;
    }
    AcceptState state{settings_, warnings_, unsupported_warned_, exported_};
    error = accept_option(*spec, entry.key, value, origin, state);
    return error.empty();
}

// uWSGI has no inline comments, yet real files write `max-requests = 1000   # restart often`. For
// numbers and booleans the comment is dropped (uWSGI's atoi reads the number anyway; for a boolean
// uWSGI reads anything but false/off/no/0 as true, so `false # x` would be true there, which no one
// means). For text, the comment stays in the value as in uWSGI: a path may contain " #". Either way,
// one warning per line.
void IniLoader::check_inline_comment(const OptionSpec& spec, const std::string& key, std::string& value,
                                     const Origin& origin) {
    const std::size_t start = inline_comment_start(value);
    if (start == std::string::npos) return;
    const bool first = comment_warned_.insert({origin.file, origin.line}).second;
    std::string message;
    if (spec.kind == OptionKind::string || spec.kind == OptionKind::list) {
        message = key + ": \"" + value +
                  "\" keeps the text after # or ; as part of the value, as uWSGI does (uWSGI has no "
                  "inline comments; put the comment on a line of its own)";
    } else {
        std::string read = value.substr(0, start);
        std::optional<bool> flag = parse_bool(read);
        message = key + ": inline comment ignored, the value read is \"" + read +
                  "\" (uWSGI has no inline comments; put the comment on a line of its own)";
        if (spec.kind == OptionKind::boolean && flag && !*flag)
            message += "; note that uWSGI reads \"" + value + "\" as true";
        value = std::move(read);
    }
    if (first) warn(origin, std::move(message));
}

// `ini = other.ini`, `ini = other.ini:section`, `ini = :section`. A relative path is taken from the
// current directory, as uWSGI does; when nothing is there, from the including file's directory.
bool IniLoader::include(const std::string& includer, const std::string& value, const Origin& origin,
                        std::string& error) {
    if (value.empty()) {
        error = origin_prefix(origin) + "option ini needs a file name or :section";
        return false;
    }
    IniSpec where = split_ini_spec(value);
    if (where.path.empty()) return load_file(includer, where.section, origin, error);
    std::error_code ec;
    fs::path path(where.path);
    if (path.is_relative() && !fs::exists(path, ec)) {
        fs::path beside = fs::path(includer).parent_path() / path;
        if (fs::exists(beside, ec)) path = beside;
        // `ini = other.ini:section` where other.ini sits beside the includer: split_ini_spec could not
        // see the file from here, so it split correctly; nothing more to do.
    }
    return load_file(path.string(), where.section, origin, error);
}

bool IniLoader::finish(bool strict, std::string& error) {
    for (const Unknown& unknown : unknown_) {
        if (referenced_.count(normalize_key(unknown.key))) continue;
        std::string message = "unknown key \"" + unknown.key + "\"";
        if (std::string fix = missing_equals_fix(unknown.key); !fix.empty())
            message += " (missing '='? did you mean \"" + fix + "\"?)";
        else if (std::string_view suggestion = suggest_option(unknown.key); !suggestion.empty())
            message += " (did you mean \"" + std::string(suggestion) + "\"?)";
        if (strict) {
            error = origin_prefix(unknown.origin) + message;
            return false;
        }
        warn(unknown.origin, message + "; kept as a variable, ignored");
    }
    return true;
}

}  // namespace appserver::config
