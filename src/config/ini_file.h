#pragma once
// Reading one ini file into its sections and `key = value` lines (with line numbers), via libinih.
// Knows nothing about options, placeholders or includes: that is ini_loader's job.

#include <string>
#include <string_view>
#include <vector>

namespace appserver::config {

struct IniEntry {
    std::string section;
    std::string key;
    std::string value;  // "" for a bare key
    int line = 0;
    bool bare = false;  // a key alone on its line (`master`), which means true for booleans
};

struct IniDocument {
    std::string path;                   // as the user wrote it (for messages)
    std::vector<std::string> sections;  // every [section] header, in file order, once each
    std::vector<IniEntry> entries;      // in file order
};

// Parses ini text. Accepts what real uwsgi.ini files contain: `#`/`;` comment lines, comments before
// the first section, indented keys, `key=value` and `key = value`, bare keys, a UTF-8 BOM, long lines.
// `;` after a value is part of the value (as in uWSGI). On failure returns false and sets `error` to
// one line "PATH:LINE: ...".
bool parse_ini_text(std::string_view text, const std::string& path, IniDocument& out, std::string& error);

// Reads the file and parses it. "ini file not found: PATH" when it does not exist.
bool read_ini_file(const std::string& path, IniDocument& out, std::string& error);

}  // namespace appserver::config
