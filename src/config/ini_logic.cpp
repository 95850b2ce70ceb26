// Config logic blocks. A stack of frames; each frame holds the bindings its lines are read under,
// computed from the parent's bindings when the opening line is read. An empty list means "skip": the
// lines are still read for block structure, but nothing is tested or applied (a nested condition
// inside a false block is not evaluated, so it cannot warn).

#include "config/ini_logic.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <regex>

#include "config/option_value.h"
#include "config/plugin_names.h"

namespace appserver::config {
namespace {

enum class Test {
    env,
    not_env,
    exists,
    not_exists,
    file,
    not_file,
    dir,
    not_dir,
    opt,
    not_opt,
    hostname,
    not_hostname,
    hostname_match,
    not_hostname_match,
    plugin,
    not_plugin,
    reload,
    not_reload
};
enum class Loop { words, times, glob, readline };

struct Opener {
    std::string_view key;
    bool is_for;
    Test test;
    Loop loop;
};

// Every block opener uWSGI 2.0 has (core/uwsgi.c, "(opt logic)"), with its aliases.
constexpr std::array kOpeners = {
    Opener{"if-env", false, Test::env, {}},
    Opener{"ifenv", false, Test::env, {}},
    Opener{"if-not-env", false, Test::not_env, {}},
    Opener{"if-exists", false, Test::exists, {}},
    Opener{"ifexists", false, Test::exists, {}},
    Opener{"if-not-exists", false, Test::not_exists, {}},
    Opener{"if-file", false, Test::file, {}},
    Opener{"if-not-file", false, Test::not_file, {}},
    Opener{"if-dir", false, Test::dir, {}},
    Opener{"ifdir", false, Test::dir, {}},
    Opener{"if-directory", false, Test::dir, {}},
    Opener{"if-not-dir", false, Test::not_dir, {}},
    Opener{"if-opt", false, Test::opt, {}},
    Opener{"if-not-opt", false, Test::not_opt, {}},
    Opener{"if-hostname", false, Test::hostname, {}},
    Opener{"if-not-hostname", false, Test::not_hostname, {}},
    Opener{"if-hostname-match", false, Test::hostname_match, {}},
    Opener{"if-not-hostname-match", false, Test::not_hostname_match, {}},
    Opener{"if-plugin", false, Test::plugin, {}},
    Opener{"ifplugin", false, Test::plugin, {}},
    Opener{"if-not-plugin", false, Test::not_plugin, {}},
    Opener{"if-reload", false, Test::reload, {}},
    Opener{"if-not-reload", false, Test::not_reload, {}},
    Opener{"for", true, {}, Loop::words},
    Opener{"for-times", true, {}, Loop::times},
    Opener{"for-glob", true, {}, Loop::glob},
    Opener{"for-readline", true, {}, Loop::readline},
};

constexpr std::array<std::string_view, 5> kClosers = {"endif", "end-if", "endfor", "end-for", "end"};

// A loop longer than this (for-times, a file's lines, nested loops) is a mistake, not a configuration.
constexpr long kMaxTimes = 100000;

const Opener* find_opener(std::string_view key) {
    for (const Opener& o : kOpeners)
        if (o.key == key) return &o;
    return nullptr;
}

bool is_closer(std::string_view key) {
    return std::find(kClosers.begin(), kClosers.end(), key) != kClosers.end();
}

// `NAME` or `NAME=VALUE`, as uWSGI's if-env and if-opt read it.
struct NameValue {
    std::string name;
    std::optional<std::string> value;
};
NameValue split_name_value(const std::string& arg) {
    std::size_t eq = arg.find('=');
    if (eq == std::string::npos) return {arg, std::nullopt};
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

bool stat_is(const std::string& path, mode_t type) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

// Runs the test; true when the block's lines apply. `underscore` gets %(_) (nullopt: none, as in
// uWSGI where %(_) then stays as written).
bool run_test(Test test, const std::string& arg, const LogicEnvironment& env,
              std::optional<std::string>& underscore, std::vector<std::string>& warnings) {
    auto lookup_test = [&](const std::function<std::optional<std::string>(const std::string&)>& get,
                           bool negate) {
        NameValue nv = split_name_value(arg);
        std::optional<std::string> found = get ? get(nv.name) : std::nullopt;
        underscore = found;
        bool holds = found && (!nv.value || *nv.value == *found);
        return negate ? !holds : holds;
    };
    switch (test) {
        case Test::env: return lookup_test(env.getenv, false);
        case Test::not_env: return lookup_test(env.getenv, true);
        case Test::opt: return lookup_test(env.option, false);
        case Test::not_opt: return lookup_test(env.option, true);
        default: break;
    }
    underscore = arg;
    struct stat st {};
    switch (test) {
        case Test::exists: return ::stat(arg.c_str(), &st) == 0;
        case Test::not_exists: return ::stat(arg.c_str(), &st) != 0;
        case Test::file: return stat_is(arg, S_IFREG);
        case Test::not_file: return !stat_is(arg, S_IFREG);
        case Test::dir: return stat_is(arg, S_IFDIR);
        case Test::not_dir: return !stat_is(arg, S_IFDIR);
        case Test::hostname: return env.hostname == arg;
        case Test::not_hostname: return env.hostname != arg;
        case Test::hostname_match:
        case Test::not_hostname_match: {
            bool match = false;
            try {
                match = std::regex_search(env.hostname, std::regex(arg, std::regex::extended));
            } catch (const std::regex_error&) {
                warnings.push_back("\"" + arg + "\" is not a regular expression; the test fails");
                return false;
            }
            return test == Test::hostname_match ? match : !match;
        }
        // The Python plugins (python3, python312...) and http are ours; every other uWSGI plugin is absent.
        case Test::plugin: return is_known_plugin(arg);
        case Test::not_plugin: return !is_known_plugin(arg);
        // A reload re-reads the configuration as a fresh start does.
        case Test::reload: return false;
        case Test::not_reload: return true;
        default: return false;
    }
}

// The items of a loop; "" or an error.
std::string loop_items(Loop loop, const std::string& arg, std::vector<std::string>& items,
                       std::vector<std::string>& warnings) {
    switch (loop) {
        case Loop::words: {
            std::size_t i = 0;
            while (i < arg.size()) {
                std::size_t begin = arg.find_first_not_of(" \t", i);
                if (begin == std::string::npos) break;
                std::size_t end = arg.find_first_of(" \t", begin);
                if (end == std::string::npos) end = arg.size();
                items.push_back(arg.substr(begin, end - begin));
                i = end;
            }
            return "";
        }
        case Loop::times: {
            std::size_t digits = arg.find_first_not_of("0123456789");
            std::string number = arg.substr(0, digits);
            if (number.empty() || number.size() > 6 || std::stol(number) > kMaxTimes ||
                digits != std::string::npos)
                return "for-times needs a count from 0 to " + std::to_string(kMaxTimes) + ", not \"" + arg +
                       "\"";
            for (long n = 1; n <= std::stol(number); ++n) items.push_back(std::to_string(n));
            return "";
        }
        case Loop::glob: {
            glob_t g{};
            int rc = ::glob(arg.c_str(), GLOB_MARK | GLOB_NOCHECK, nullptr, &g);
            if (rc == 0)
                for (std::size_t i = 0; i < g.gl_pathc; ++i) items.emplace_back(g.gl_pathv[i]);
            ::globfree(&g);
            if (rc != 0) return "for-glob \"" + arg + "\": the pattern cannot be expanded";
            return "";
        }
        case Loop::readline: {
            // A regular file only: /dev/zero or a fifo would never end.
            std::ifstream in(arg);
            if (!in || !stat_is(arg, S_IFREG)) {
                warnings.push_back("cannot read " + arg + " as a regular file; the block is skipped");
                return "";
            }
            std::string line;
            while (items.size() <= static_cast<std::size_t>(kMaxTimes) && std::getline(in, line)) {
                while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
                items.push_back(line);
            }
            return "";
        }
    }
    return "";
}

}  // namespace

bool is_logic_key(std::string_view key) {
    return find_opener(key) != nullptr || is_closer(key) || key == "else";
}

std::string substitute_underscore(std::string_view text, const Binding& binding) {
    if (!binding.underscore) return std::string(text);
    static constexpr std::string_view kMark = "%(_)";
    std::string out;
    std::size_t from = 0;
    for (std::size_t at = text.find(kMark); at != std::string_view::npos; at = text.find(kMark, from)) {
        out.append(text.substr(from, at - from));
        out += *binding.underscore;
        from = at + kMark.size();
    }
    out.append(text.substr(from));
    return out;
}

IniBlocks::IniBlocks() { frames_.push_back(Frame{"[section]", 0, false, {Binding{}}, {}}); }

std::string IniBlocks::handle(const std::string& key, const std::string& raw_value, int line,
                              const LogicEnvironment& env, std::vector<std::string>& warnings) {
    if (const Opener* opener = find_opener(key)) {
        Frame frame{key, line, opener->is_for, {}, {}};
        for (const Binding& parent : active()) {
            const std::string arg = env.expand(raw_value, parent);
            if (opener->is_for) {
                std::vector<std::string> items;
                if (std::string error = loop_items(opener->loop, arg, items, warnings); !error.empty())
                    return error;
                for (std::string& item : items) frame.active.push_back(Binding{std::move(item)});
                // Nested loops multiply: a typo must not turn into billions of lines.
                if (frame.active.size() > static_cast<std::size_t>(kMaxTimes))
                    return key + " would repeat its lines more than " + std::to_string(kMaxTimes) + " times";
                continue;
            }
            std::optional<std::string> underscore;
            if (run_test(opener->test, arg, env, underscore, warnings))
                frame.active.push_back(Binding{underscore ? underscore : parent.underscore});
            else
                frame.failed.push_back(parent);
        }
        frames_.push_back(std::move(frame));
        return "";
    }
    Frame& top = frames_.back();
    const bool in_if = frames_.size() > 1 && !top.is_for;
    if (key == "else") {
        if (!in_if || top.key == "else")
            return "else without an open if-* block" +
                   std::string(top.key == "else" ? " (this if already has an else)" : "");
        top.key = "else";
        top.active = std::move(top.failed);
        top.failed.clear();
        top.line = line;
        return "";
    }
    // A closer.
    if (frames_.size() == 1) return key + " without an open block (no if-* or for before it)";
    const bool wants_for = key == "endfor" || key == "end-for";
    const bool wants_if = key == "endif" || key == "end-if";
    if ((wants_for && !top.is_for) || (wants_if && top.is_for))
        return key + " cannot close the " + top.key + " block opened on line " + std::to_string(top.line) +
               " (use " + (top.is_for ? "endfor" : "endif") + ")";
    frames_.pop_back();
    return "";
}

std::string IniBlocks::finish(int& line) const {
    if (frames_.size() == 1) return "";
    const Frame& open = frames_.back();
    line = open.line;
    return open.key + " block is not closed (no " + (open.is_for ? "endfor" : "endif") +
           " before the end of the section)";
}

}  // namespace appserver::config
