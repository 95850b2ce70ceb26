#pragma once
// The command line: `--key value`, `--key=value`, `--flag`, `--flag=false`, `-p 4`, commands, and
// `--ini FILE[:SECTION]`. Produces Settings and the list of ini files; does not touch Options.

#include <set>
#include <string>
#include <vector>

#include "appserver/options.h"
#include "config/option_value.h"

namespace appserver::config {

struct CommandLine {
    Command command = Command::run;
    std::string control_pidfile;    // --stop / --reload PIDFILE
    std::vector<std::string> ini;   // --ini values (and positional *.ini), in order
    std::vector<Setting> settings;  // every other stored option, in order
    std::vector<ConfigWarning> warnings;
    std::vector<ExportedOption> exported;  // every option given, --ini included, in order
};

// False with a one-line `error` (`unknown option --prcesses`, `option --http needs a value`).
bool parse_command_line(int argc, const char* const* argv, CommandLine& out, std::string& error);

}  // namespace appserver::config
