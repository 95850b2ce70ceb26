// `--help` and docs/options.md, both written from the option table so they cannot drift from it.

#include <cctype>
#include <sstream>

#include "appserver/config.h"
#include "config/option_table.h"
#include "config/usage.h"
#include "config/uwsgi_catalogue.h"

namespace appserver {
namespace {

using namespace config;

constexpr OptionGroup kGroups[] = {OptionGroup::commands,  OptionGroup::config,    OptionGroup::sockets,
                                   OptionGroup::application, OptionGroup::processes, OptionGroup::lifecycle,
                                   OptionGroup::static_files, OptionGroup::limits,    OptionGroup::no_op,     OptionGroup::unsupported,
                                   OptionGroup::uwsgi_other};

// Breaks `text` into lines of at most 100 columns at spaces; continuation lines are indented.
std::string wrap(const std::string& text) {
    constexpr std::size_t kWidth = 100;
    std::string out;
    std::size_t line_start = 0;
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
        if (out.size() > line_start && out.size() - line_start + 1 + word.size() > kWidth) {
            out += "\n  ";
            line_start = out.size() - 2;
        } else if (out.size() > line_start) {
            out += ' ';
        }
        out += word;
    }
    return out + "\n";
}

std::string cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += "\\|";
        else out += c;
    }
    return out;
}

std::string code_or_blank(std::string_view text) {
    if (text.empty()) return "";
    if (text.find('`') != std::string_view::npos) return std::string(text);  // already formatted
    return "`" + std::string(text) + "`";
}

std::string_view type_text(const OptionSpec& spec) {
    switch (spec.kind) {
        case OptionKind::size: return "size (bytes)";
        case OptionKind::list: return "list (repeatable)";
        default: return kind_name(spec.kind);
    }
}

constexpr std::string_view kIniSyntax = R"(## Command line

- `--key value` and `--key=value`; a boolean is `--flag` (true) or `--flag=false` (a boolean never
  takes the next argument as its value).
- One-letter aliases work only on the command line: `-p 4`.
- An unknown option is an error (`unknown option --prcesses (did you mean --processes?)`).
- A bare argument ending in `.ini` (or `.ini:section`) is read as `--ini` (`appserver uwsgi.ini`,
  as in uWSGI); any other bare argument is an error.
- `-` and `_` are the same in every name (`--wsgi_file` = `--wsgi-file`); otherwise names are
  case-sensitive.
- Placeholders are not expanded on the command line; the shell already expands `$VAR`.

## ini files

- `--ini file.ini` reads the `[uwsgi]` section; a `[appserver]` section is read too (after
  `[uwsgi]` when a file has both). A file with neither is an error.
- `--ini file.ini:name` reads `[name]` instead.
- Inside a section, `ini = other.ini`, `ini = other.ini:name` and `ini = :name` (a section of the
  same file) read that section at that point. A relative path is taken from the current directory,
  as uWSGI does, or, if nothing is there, from the including file's directory. Include cycles and
  nesting deeper than 16 are errors.
- `key = value` and `key=value`; spaces around keys and values are dropped; keys may be indented.
- A key alone on its line is `true` for booleans (`master`); for `chmod-socket` it means 666; other
  options need a value.
- Lines starting with `#` or `;` are comments, also before the first section. A UTF-8 BOM is
  skipped. Lines may be any length.
- uWSGI has no inline comments. After a number or a boolean, a blank followed by `#` or `;` starts
  a comment that is dropped (`max-requests = 1000   # restart often` is 1000), with a warning; in a
  text value it is kept, as uWSGI keeps it, also with a warning. See docs/ini-files.md.
- Config logic (`if-env`, `if-exists`, `if-opt`, ... `endif`, `for` ... `endfor`) and `print`:
  see docs/ini-files.md.
- Booleans: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0` (also capitalised or upper case).
- Numbers are plain non-negative decimals; `buffer-size` and `limit-post` are bytes (no suffixes).
- Keys outside every section, and sections not asked for, are ignored.

## Placeholders (ini values only)

A value is expanded when its line is read, in file order (includes are read in place):

| Placeholder | Becomes |
|---|---|
| `$(NAME)` | the environment variable NAME; empty when unset (with a warning) |
| `%(name)` | the value of a key set earlier in the ini files (not the command line): an option or any user variable such as `base = /srv/app` |
| `%(%k * 2)` | integer arithmetic: `+ - * /` and parentheses over numbers and variables; the inside is expanded first |
| `%d` | the directory of the ini file, absolute, with a trailing `/` |
| `%p` | the absolute path of the ini file (a file that is itself a symlink keeps the link's path, as in uWSGI) |
| `%n` / `%s` / `%e` | the ini file's name without extension / with it / its extension (`ini`, without the dot) |
| `%c` / `%0`..`%9` | the name of the ini file's directory / the components of its path (`%0` the first) |
| `%x` | the section named with the file (`file.ini:name`, `ini = :name`), else empty |
| `%D` `%P` `%N` `%S` `%E` `%C` `%X` | the same for the first ini file read (`--ini`), also inside included files |
| `%k` | the number of CPUs |
| `%h` / `%v` | the host name / the current directory |
| `%t` / `%T` | the time, in seconds / microseconds since the epoch |
| `%u` `%U` / `%g` `%G` | the user id and name / the group id and name |
| `%%` | a literal `%` |

A placeholder that cannot be resolved (an undefined `%(name)`, bad arithmetic) is kept as written,
with a warning, as uWSGI keeps it. Other `%` letters (uWSGI's `%V`, `%j`, `%i`, `%o`, `%b`...) are
kept as written, where uWSGI makes an unknown letter empty. Values of unsupported keys are not checked.

## Merging

- Ini files are read first (in `--ini` order), then the command line is applied.
- For single-valued keys the command line wins, wherever `--ini` appears; among ini files, the last
  value read wins.
- List keys (`http`, `http-socket`, `socket`, `env`, `pythonpath`, `touch-reload`, ...) accumulate:
  ini entries first, then the command line's.
- When no `home` (or `venv`, `virtualenv`, `pyhome`) is given, `$VIRTUAL_ENV` fills it.

## Unknown, no-op and unsupported keys

- An unknown key in an ini file is kept as a variable (as uWSGI does) and warned about with its file
  and line; with `strict = true` (or `--strict`) it is an error. A key that some `%(name)` uses is
  a variable on purpose and is not warned about.
- No-op keys are accepted silently; their values are still checked (a bad boolean is an error).
- Every name uWSGI 2.0 knows is recognised. Unsupported ones are ignored with one warning per key,
  naming file and line: `KEY: uWSGI option not supported here, ignored. NOTE`; with `strict` too
  (strict refuses only names uWSGI does not know either). "did you mean" is only offered for those.

## Checks after merging

For a run and for `--check-config`: at least one of `http`, `http-socket`, `socket`; at least one of
`wsgi-file`, `module` and a root `mount = /=APP` (uWSGI's order: `module`, then `wsgi-file`, then
mounts; a later one is ignored with a warning); `processes`, `threads` and `listen` at least 1;
`buffer-size` from 1024 to 1048576; every `env` entry is `NAME=VALUE`; `chmod-socket` is octal;
`chdir` exists; `wsgi-file` exists (relative to `chdir` when set); `uid`/`gid` name existing users
and groups; a venv (`home`) was made with the Python appserver runs (its `pyvenv.cfg`).
`--check-config` also imports the application as the user it will run as, and checks that the
directories of `pidfile`, `daemonize`/`logto`, `logger`/`req-logger` files and unix sockets exist
and are writable, and that none of these paths is a directory. Every error
is one line naming the option, value, file or line at fault. A start or `--check-config` that fails
prints every warning gathered before the error (`appserver: warning: uwsgi.ini:3: unknown key
"wsgi-file haha.py" (missing '='? did you mean "wsgi-file = haha.py"?)` explains a missing app).
)";

// The long tail, one paragraph per family: the note once, then its names (a table row per name would
// repeat the note hundreds of times).
std::string catalogue_markdown() {
    std::ostringstream out;
    out << "uWSGI 2.0 knows " << uwsgi_catalogue().size()
        << " more option names (core and the plugins its pip build has built in; "
           "tests/data/uwsgi-2.0-options.txt). "
           "Each is accepted with one warning, `KEY: uWSGI option not supported here, ignored. NOTE`, "
           "and never counts as an unknown key (also not with `strict`). A one-letter form is shown "
           "where appserver has the letter free.\n";
    for (std::string_view note : uwsgi_catalogue_notes()) {
        std::string names;
        for (const CatalogueEntry& entry : uwsgi_catalogue()) {
            if (entry.note != note) continue;
            if (!names.empty()) names += ", ";
            names += "`" + std::string(entry.name) + "`";
            if (!entry.short_alias.empty()) names += " (`-" + std::string(entry.short_alias) + "`)";
        }
        if (names.empty()) continue;
        std::string head(note);
        if (!head.empty()) head[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(head[0])));
        out << "\n- **" << head << ".** " << names << "\n";
    }
    return out.str();
}

}  // namespace

std::string render_help() {
    std::ostringstream out;
    out << "Usage:\n";
    for (const std::string& line : usage_lines()) out << "  " << line << "\n";
    out << "\n"
           "Every option is also an ini key (processes = 4); '-' and '_' are the same in names.\n"
           "Booleans: --flag or --flag=false.\n";
    constexpr std::size_t kColumn = 40;
    for (OptionGroup group : kGroups) {
        if (group == OptionGroup::no_op || group == OptionGroup::unsupported ||
            group == OptionGroup::uwsgi_other)
            continue;
        out << "\n" << group_title(group) << ":\n";
        for (const OptionSpec& spec : option_table()) {
            if (spec.group != group) continue;
            std::string line = "  " + option_synopsis(spec);
            // A long synopsis gets the help on its own line, so the help column stays straight.
            line += line.size() < kColumn ? std::string(kColumn - line.size(), ' ')
                                          : "\n" + std::string(kColumn, ' ');
            line += spec.help;
            if (std::string fallback = plain_default_text(spec); !fallback.empty()) {
                line += " (default: " + fallback + ")";
            }
            out << line << "\n";
        }
    }
    out << "\n" << wrap("Accepted for uWSGI configs, no effect: " + option_names_in_group(OptionGroup::no_op) + ".");
    out << wrap("Not supported (warned about, ignored): " + option_names_in_group(OptionGroup::unsupported) + ".");
    out << wrap("Every other uWSGI 2.0 key (" + std::to_string(uwsgi_catalogue().size()) +
                " more) is recognised, warned about once and ignored.");
    out << "Details: man appserver, and options.md in the docs (docs/ here, share/doc/appserver installed)\n";
    return out.str();
}

std::string render_options_markdown() {
    std::ostringstream out;
    out << "# appserver options\n\n"
           "<!-- Generated from src/config/option_table.cpp by render_options_markdown(); do not edit.\n"
           "     Regenerate: UPDATE_DOCS=1 ./build/unit_tests --gtest_filter='OptionsDoc.*' -->\n\n"
           "appserver reads uWSGI's command-line options and `uwsgi.ini` files. Every option below can be\n"
           "given on the command line (`--processes 4`, `--processes=4`) or as an ini key (`processes = 4`),\n"
           "except the commands, which are command line only.\n\n"
           "Status: **implemented**; **no-op** (accepted; appserver already behaves that way);\n"
           "**unsupported** (ignored with a warning).\n";
    for (OptionGroup group : kGroups) {
        out << "\n## " << group_title(group) << "\n\n";
        if (group == OptionGroup::uwsgi_other) {
            out << catalogue_markdown();
            continue;
        }
        out << "| Option | Aliases | Type | Default | Status | Description |\n";
        out << "|---|---|---|---|---|---|\n";
        for (const OptionSpec& spec : option_table()) {
            if (spec.group != group) continue;
            std::string aliases;
            for (std::string_view alias : option_aliases(spec)) {
                if (!aliases.empty()) aliases += ", ";
                aliases += "`" + std::string(alias.size() == 1 ? "-" : "") + std::string(alias) + "`";
            }
            // For no-op and unsupported keys the note (why) is the whole story.
            const bool why_only = spec.status == OptionStatus::no_op || spec.status == OptionStatus::unsupported;
            std::string description(why_only && !spec.note.empty() ? std::string_view{} : spec.help);
            if (!spec.note.empty()) description += (description.empty() ? "" : ". ") + std::string(spec.note);
            std::string name = "`" + std::string(spec.name);
            if (!spec.metavar.empty()) name += " " + std::string(spec.metavar);
            name += "`";
            out << "| " << cell(name) << " | " << cell(aliases) << " | " << type_text(spec) << " | "
                << cell(code_or_blank(option_default_text(spec))) << " | " << status_name(spec.status) << " | "
                << cell(description) << " |\n";
        }
    }
    out << "\n" << kIniSyntax;
    return out.str();
}

}  // namespace appserver
