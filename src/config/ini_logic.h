#pragma once
// uWSGI's config logic in ini files: `if-env`/`if-exists`/`if-opt`/... `endif`, `else`, `for`/...
// `endfor`, with `%(_)` holding the tested value or the loop item.
//
// Semantics follow uWSGI (core/config.c) where it has them: a condition or a loop is evaluated when
// its line is read; each line inside a `for` is repeated for every item before the next line is read
// (line by line, as uWSGI does: `for = a b` + two lines gives line1(a) line1(b) line2(a) line2(b)).
// Differences, on purpose: blocks nest (uWSGI exits with "recursive logic in options is not
// supported"); the tested argument is placeholder-expanded first (uWSGI tests `%(base)` literally);
// an unterminated block or a stray `endif`/`endfor` is an error naming file:line (uWSGI ignores both).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace appserver::config {

// True for the keys this file handles (normalized, dashed): if-*, for*, else, endif, endfor, end...
bool is_logic_key(std::string_view normalized_key);

// One way a line is read: the value of %(_) for it (nullopt outside every block that sets one).
struct Binding {
    std::optional<std::string> underscore;
};

// `%(_)` in `text` replaced by the binding's value, textually, as uWSGI's uwsgi_substitute does.
std::string substitute_underscore(std::string_view text, const Binding& binding);

// What a condition needs from the loader.
struct LogicEnvironment {
    // The argument expanded (placeholders, with %(_) of `binding` substituted first).
    std::function<std::string(const std::string& raw, const Binding& binding)> expand;
    std::function<std::optional<std::string>(const std::string&)> getenv;
    // The value of an ini key set earlier (for if-opt), as written or normalized.
    std::function<std::optional<std::string>(const std::string&)> option;
    std::string hostname;
};

class IniBlocks {
public:
    IniBlocks();

    // The bindings the next ordinary line is read under: empty inside a false block.
    const std::vector<Binding>& active() const { return frames_.back().active; }

    // Handles one logic line (`key` normalized). "" or a one-line error without the origin prefix.
    // `warnings` gets messages for things uWSGI would do differently (without prefix).
    std::string handle(const std::string& key, const std::string& raw_value, int line,
                       const LogicEnvironment& env, std::vector<std::string>& warnings);

    // At the end of a section: "" or the error for the innermost block left open (`line` = where it
    // was opened).
    std::string finish(int& line) const;

private:
    struct Frame {
        std::string key;  // the opening key as normalized ("if-env", "for", "else")
        int line = 0;
        bool is_for = false;
        std::vector<Binding> active;  // lines inside are read under these
        std::vector<Binding> failed;  // for an if: the parent bindings whose test failed (for else)
    };
    std::vector<Frame> frames_;  // frames_[0] is the section itself
};

}  // namespace appserver::config
