#pragma once
// What `--help` and the man page appserver(1) both show, written once: the usage lines (one per
// action), an option's synopsis, and its default as plain text.

#include <string>
#include <vector>

#include "config/option_table.h"

namespace appserver::config {

// "appserver --http :8000 --wsgi-file app.py [OPTIONS]", ..., then one line per command-line action
// of the table (--check-config, --stop PIDFILE, --reload PIDFILE, --reopen-logs PIDFILE, --help, ...).
std::vector<std::string> usage_lines();

// "-p, --processes, --workers N"
std::string option_synopsis(const OptionSpec& spec);

// The default for a reader of --help or the man page: option_default_text without markdown quotes;
// empty for commands and for options without one (lists, unset paths).
std::string plain_default_text(const OptionSpec& spec);

}  // namespace appserver::config
