#pragma once
// The option table: one row per configuration key. It is the single source of truth for the command
// line, ini files, `--help` and docs/options.md; nothing else knows option names.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "appserver/options.h"

namespace appserver::config {

// How a value is written and checked.
enum class OptionKind {
    string,   // any text
    integer,  // a non-negative decimal number that fits in an int
    size,     // a non-negative number of bytes
    boolean,  // true/false, yes/no, on/off, 1/0; a bare key or `--flag` means true
    toggle,   // a boolean or a number, stored as an int (false: 0, true: 1), as uWSGI's optional ints
    list,     // repeatable; each occurrence adds one entry
};

// What appserver does with the key.
enum class OptionStatus {
    implemented,  // stored and acted on
    no_op,        // accepted silently: appserver already behaves this way
    unsupported,  // a uWSGI key: accepted with one warning "KEY: uWSGI option not supported here ..."
};

// Where the option appears in --help and in docs/options.md.
enum class OptionGroup {
    config,
    commands,
    sockets,
    application,
    processes,
    lifecycle,
    static_files,
    limits,
    no_op,
    unsupported,
    uwsgi_other,  // the long tail of uWSGI names (src/config/uwsgi_catalogue.cpp), all unsupported
};

// Where the parsed value goes. monostate: nowhere (no-ops, unsupported keys, commands).
// Options::buffer_size (size_t) and Options::limit_post (uint64_t) share one alternative: on the LP64
// Linux targets appserver supports they are the same type, and a variant cannot hold a type twice.
static_assert(std::is_same_v<std::size_t, std::uint64_t>,
              "size fields need their own OptionField alternative");
using OptionField =
    std::variant<std::monostate, std::string Options::*, int Options::*, std::uint64_t Options::*,
                 bool Options::*, std::vector<std::string> Options::*>;

struct OptionSpec {
    std::string_view name;     // canonical long name, with dashes
    std::string_view aliases;  // space-separated; one letter = command-line short form (`-p 4`) only
    OptionKind kind;
    OptionGroup group;
    OptionStatus status;
    OptionField field;
    std::string_view metavar;            // shown in --help: `--http ADDR`
    std::string_view help;               // one line
    std::string_view note = {};          // longer text for docs/options.md (why a no-op, which issue)
    std::string_view default_note = {};  // docs default when Options{} does not tell the whole story
    Command command = Command::run;      // != run: a command-line-only verb (--help, --stop PIDFILE)
    std::string_view bare_value = {};    // value of a bare non-boolean key (`chmod-socket` alone = 666)
};

// The whole table, in documentation order: option_table.cpp's rows, then the uWSGI catalogue's.
std::span<const OptionSpec> option_table();

// The names of a group's options, in table order, joined with ", " (--help and the man page).
std::string option_names_in_group(OptionGroup group);

// `wsgi_file` -> `wsgi-file`: dashes and underscores are the same in every key.
std::string normalize_key(std::string_view key);

// Looks a long name or long alias up (after normalize_key). nullptr when unknown.
const OptionSpec* find_option(std::string_view key);

// Looks a one-letter command-line alias up (`p` for processes). nullptr when unknown.
const OptionSpec* find_short_option(char letter);

// The aliases of `spec`, split.
std::vector<std::string_view> option_aliases(const OptionSpec& spec);

// The closest known long name to a mistyped key, or "" when nothing is close (for "did you mean").
std::string_view suggest_option(std::string_view key);

std::string_view kind_name(OptionKind kind);
std::string_view status_name(OptionStatus status);
std::string_view group_title(OptionGroup group);

// The default as docs show it: default_note, else the value in a default-constructed Options.
std::string option_default_text(const OptionSpec& spec);

}  // namespace appserver::config
