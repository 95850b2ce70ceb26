// libinih does the tokenising. Debian builds it with settings unlike uWSGI's ini reader (indented
// lines continue the previous value, bare keys are errors, inline `;` starts a comment, lines stop at
// 200 bytes, no line numbers in the handler), but exposes them as runtime globals, which we set before
// every parse. Line numbers come from our own reader callback: inih calls the handler right after the
// reader has delivered the line, so the reader's count is the handler's line.

#include "config/ini_file.h"

#include <ini.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace appserver::config {
namespace {

std::string_view trim(std::string_view s) {
    std::size_t begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    std::size_t end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

// The text fed to inih, line by line, counting lines as it goes.
struct LineReader {
    std::vector<std::string_view> lines;  // each with its '\n' (the last may lack one)
    std::size_t index = 0;                // next line to hand out
    std::size_t offset = 0;               // how much of lines[index] is handed out already
    int current_line = 0;                 // 1-based number of the line inih is reading
};

char* read_line(char* buffer, int size, void* stream) {
    auto* reader = static_cast<LineReader*>(stream);
    if (reader->index >= reader->lines.size() || size <= 1) return nullptr;
    if (reader->offset == 0) reader->current_line = static_cast<int>(reader->index) + 1;
    std::string_view rest = reader->lines[reader->index].substr(reader->offset);
    std::size_t n = std::min(rest.size(), static_cast<std::size_t>(size - 1));
    std::memcpy(buffer, rest.data(), n);
    buffer[n] = '\0';
    reader->offset += n;
    if (reader->offset == reader->lines[reader->index].size()) {
        ++reader->index;
        reader->offset = 0;
    }
    return buffer;
}

struct ParseState {
    IniDocument* doc;
    LineReader* reader;
};

int on_entry(void* user, const char* section, const char* name, const char* value) {
    auto* state = static_cast<ParseState*>(user);
    IniEntry entry;
    entry.section = trim(section);  // `[ uwsgi ]` is [uwsgi], as scan_lines records it
    entry.key = name;
    entry.bare = value == nullptr;
    entry.value = value ? value : "";
    entry.line = state->reader->current_line;
    state->doc->entries.push_back(std::move(entry));
    return 1;
}

// uWSGI-compatible behaviour. The globals are process-wide; config loading runs once, before any
// thread or fork, so setting them here is safe.
void configure_inih(int longest_line) {
    static char start_comments[] = ";#";
    ini_allow_multiline = false;        // indented keys are keys, not continuations
    ini_allow_no_value = true;          // bare keys: handler gets value == nullptr
    ini_allow_inline_comments = false;  // `x = a ; b` keeps "a ; b", as uWSGI does
    ini_start_comment_prefixes = start_comments;
    ini_allow_bom = true;
    ini_stop_on_first_error = true;
    // A line longer than the buffer would be split into two lines silently: size it to the longest
    // line (+ '\r', '\n', '\0'), on the heap.
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = std::max(longest_line + 3, 256);
    ini_initial_alloc = ini_max_line;
}

std::string shorten(std::string_view s) {
    return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 57)) + "...";
}

// Finds what inih would misread, and records section headers (inih reports only sections with keys).
// inih splits `name: value` like Python's configparser; uWSGI has no such syntax, and a ':' before
// the first '=' would silently cut the key, so such lines are errors.
bool scan_lines(const LineReader& reader, const std::string& path, IniDocument& out, std::string& error) {
    for (std::size_t i = 0; i < reader.lines.size(); ++i) {
        std::string_view line = reader.lines[i];
        if (i == 0 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        const std::string where = path + ":" + std::to_string(i + 1) + ": ";
        if (line.front() == '[') {
            std::size_t close = line.find(']');
            if (close == std::string_view::npos) {
                error = where + "section header " + shorten(line) + " has no closing ']'";
                return false;
            }
            std::string name(trim(line.substr(1, close - 1)));
            if (std::find(out.sections.begin(), out.sections.end(), name) == out.sections.end())
                out.sections.push_back(name);
            continue;
        }
        std::size_t eq = line.find('=');
        std::size_t colon = line.find(':');
        if ((colon != std::string_view::npos && colon < eq) || eq == 0) {
            error = where + "cannot read \"" + shorten(line) + "\" (expected key = value)";
            return false;
        }
    }
    return true;
}

}  // namespace

bool parse_ini_text(std::string_view text, const std::string& path, IniDocument& out, std::string& error) {
    out = IniDocument{};
    out.path = path;
    LineReader reader;
    int longest = 0;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        std::size_t length = newline == std::string_view::npos ? text.size() : newline + 1;
        reader.lines.push_back(text.substr(0, length));
        longest = std::max(longest, static_cast<int>(length));
        text.remove_prefix(length);
    }
    if (!scan_lines(reader, path, out, error)) return false;

    configure_inih(longest);
    ParseState state{&out, &reader};
    int result = ini_parse_stream(read_line, &reader, on_entry, &state);
    if (result == -2) {
        error = path + ": out of memory while reading";
        return false;
    }
    if (result != 0) {
        std::string_view bad = result > 0 && static_cast<std::size_t>(result) <= reader.lines.size()
                                   ? trim(reader.lines[result - 1])
                                   : std::string_view{};
        error = path + ":" + std::to_string(result) + ": cannot read \"" + shorten(bad) + "\"";
        return false;
    }
    return true;
}

bool read_ini_file(const std::string& path, IniDocument& out, std::string& error) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        error = "ini file not found: " + path;
        return false;
    }
    if (std::filesystem::is_directory(path, ec)) {
        error = "ini file is a directory: " + path;
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int saved = errno;
        error =
            "cannot read ini file " + path + " (" + std::to_string(saved) + ": " + std::strerror(saved) + ")";
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_ini_text(text.str(), path, out, error);
}

}  // namespace appserver::config
