#include "config/plugin_names.h"

namespace appserver::config {

std::vector<std::string> split_plugin_names(std::string_view value) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t end = value.find_first_of(", \t", start);
        if (end == std::string_view::npos) end = value.size();
        std::string_view name = value.substr(start, end - start);
        // uWSGI's `modifier:name` (a number, the request modifier the plugin answers); a path keeps
        // its colons.
        if (auto colon = name.find(':');
            colon != std::string_view::npos && !is_plugin_path(name.substr(0, colon)))
            name.remove_prefix(colon + 1);
        if (!name.empty()) names.emplace_back(name);
        start = end + 1;
    }
    return names;
}

bool is_python_plugin_name(std::string_view name) {
    return name.starts_with("python") && name.find_first_not_of("0123456789", 6) == std::string_view::npos;
}

bool is_plugin_path(std::string_view name) { return name.find('/') != std::string_view::npos; }

bool is_known_plugin(std::string_view name) { return is_python_plugin_name(name) || name == "http"; }

std::string choose_python_plugin(const std::vector<std::string>& values, PythonPluginChoice& out) {
    PythonPluginChoice chosen;
    for (const std::string& value : values) {
        for (const std::string& entry : split_plugin_names(value)) {
            PythonPluginChoice one;
            if (is_plugin_path(entry)) {
                one.path = entry;
            } else if (is_python_plugin_name(entry)) {
                // `python` is uWSGI's name for whichever Python the build defaults to: ours is python3.
                one.name = entry == "python" ? "python3" : entry;
            } else {
                continue;
            }
            if (chosen.label().empty()) {
                chosen = one;
            } else if (chosen.label() != one.label()) {
                return "plugins: " + chosen.label() + " and " + one.label() +
                       " are two Python plugins; one process runs one interpreter: keep one";
            }
        }
    }
    if (chosen.label().empty()) chosen.name = "python3";
    out = chosen;
    return "";
}

std::string plugin_file_name(std::string_view name) { return std::string(name) + "_plugin.so"; }

}  // namespace appserver::config
