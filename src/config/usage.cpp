#include "config/usage.h"

namespace appserver::config {

std::vector<std::string> usage_lines() {
    std::vector<std::string> lines = {
        "appserver --http :8000 --wsgi-file app.py [OPTIONS]",
        "appserver --ini uwsgi.ini[:SECTION] [OPTIONS]",
    };
    // The actions come from the table, so a new command cannot be missing here.
    for (const OptionSpec& spec : option_table()) {
        if (spec.command == Command::run) continue;
        std::string line = "appserver --" + std::string(spec.name);
        if (spec.command == Command::check_config) line += " --ini uwsgi.ini [OPTIONS]";
        if (!spec.metavar.empty()) line += " " + std::string(spec.metavar);
        lines.push_back(std::move(line));
    }
    return lines;
}

std::string option_synopsis(const OptionSpec& spec) {
    std::string out;
    for (std::string_view alias : option_aliases(spec)) {
        if (alias.size() == 1) out += "-" + std::string(alias) + ", ";
    }
    out += "--" + std::string(spec.name);
    for (std::string_view alias : option_aliases(spec)) {
        if (alias.size() > 1) out += ", --" + std::string(alias);
    }
    if (!spec.metavar.empty()) out += " " + std::string(spec.metavar);
    return out;
}

std::string plain_default_text(const OptionSpec& spec) {
    if (spec.command != Command::run) return "";
    std::string out;
    for (char c : option_default_text(spec)) {
        if (c != '`') out += c;
    }
    return out;
}

}  // namespace appserver::config
