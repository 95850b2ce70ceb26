#pragma once
// Loading ini files the way uWSGI does: sections, `ini =` includes, placeholders expanded at read
// time in file order, unknown keys kept as variables. Produces Settings; does not touch Options.

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "appserver/options.h"
#include "config/ini_file.h"
#include "config/ini_logic.h"
#include "config/option_value.h"
#include "config/placeholders.h"

namespace appserver::config {

// `file.ini` -> {file.ini, ""}; `file.ini:section` -> {file.ini, section}; `:section` -> {"", section}.
// A path that exists as written is never split (so a file name may contain ':').
struct IniSpec {
    std::string path;
    std::string section;  // "" = [uwsgi] then [appserver]
};
IniSpec split_ini_spec(const std::string& spec);

class IniLoader {
public:
    // Includes nested deeper than this are an error (cycles are caught before, this bounds the rest).
    static constexpr int kMaxDepth = 16;

    explicit IniLoader(PlaceholderContext context);

    // Loads what `--ini SPEC` names. False with a one-line `error` on failure.
    bool load(const std::string& spec, std::string& error);

    // Call once after every load: each unknown key that no %(name) used is a warning, or, with
    // `strict`, an error (the first one).
    bool finish(bool strict, std::string& error);

    // Option values found, in file order.
    const std::vector<Setting>& settings() const { return settings_; }
    const std::vector<ConfigWarning>& warnings() const { return warnings_; }
    // Every known key found, in file order (uwsgi.opt).
    const std::vector<ExportedOption>& exported() const { return exported_; }

private:
    struct Unknown {
        Origin origin;
        std::string key;
    };

    bool load_file(const std::string& path, const std::string& section, const Origin& from,
                   std::string& error);
    bool read_section(const IniDocument& doc, const std::string& section, std::string& error);
    bool handle_entry(const IniDocument& doc, const IniEntry& entry, std::string& error);
    bool handle_logic(const IniDocument& doc, const IniEntry& entry, const std::string& name,
                      IniBlocks& blocks, std::string& error);
    void check_inline_comment(const OptionSpec& spec, const std::string& key, std::string& value,
                              const Origin& origin);
    bool include(const std::string& includer, const std::string& value, const Origin& origin,
                 std::string& error);
    void warn(const Origin& origin, std::string message);

    PlaceholderContext context_;
    std::string section_;  // the section named explicitly for the file being read (%x)
    std::map<std::string, std::string> variables_;  // every key read so far, as written and normalized
    std::set<std::string> referenced_;              // normalized names used by %(...)
    std::vector<Unknown> unknown_;
    std::set<std::string> unsupported_warned_;              // warn once per unsupported key
    std::set<std::pair<std::string, int>> comment_warned_;  // file:line with an inline comment
    std::map<std::string, IniDocument> documents_;          // parsed files, by canonical path
    std::vector<std::string> stack_;                        // "path[section]" being read, for cycle errors
    struct Inherit {
        std::string includer;  // the file that names it, for relative paths and `:section`
        std::string value;
        Origin origin;
    };
    std::vector<Inherit> inherits_;  // `inherit = base.ini`, read after everything else
    std::vector<Setting> settings_;
    std::vector<ExportedOption> exported_;
    std::vector<ConfigWarning> warnings_;
};

}  // namespace appserver::config
