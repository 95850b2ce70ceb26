#pragma once
// Loading the configuration: command line + ini files -> Options.

#include <string>
#include <vector>

#include "appserver/options.h"

namespace appserver {

// The outcome of loading; `error` is one line naming the culprit (option, file:line, value).
struct ConfigResult {
    bool ok = true;
    std::string error;
    // On failure: every warning gathered before it (a line without '=' read as an unknown key is
    // often the cause), to be shown with the error. On success they are in Options::warnings.
    std::vector<ConfigWarning> warnings;
};

// Parses argv (argv[0] is the program), reads every --ini file (and `ini =` keys inside them),
// merges (command line wins for single-valued keys, list keys accumulate) and validates.
ConfigResult load_config(int argc, const char* const* argv, Options& out);

// `appserver --help`: usage and one line per option, generated from the option table.
std::string render_help();

// docs/options.md, generated from the option table (a unit test keeps the file in step).
std::string render_options_markdown();

// The man page appserver(1) in roff, generated from the option and signal tables (docs/appserver.1).
std::string render_man_page();

}  // namespace appserver
