#include "venv_check.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace appserver::python {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// "3.12.1" or "3.12.1.final.0" -> {3, 12}.
std::optional<std::pair<int, int>> major_minor(std::string_view text) {
    int major = 0, minor = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, major);
    if (ec != std::errc() || p == end || *p != '.') return std::nullopt;
    auto [q, ec2] = std::from_chars(p + 1, end, minor);
    if (ec2 != std::errc() || (q != end && *q != '.')) return std::nullopt;
    return std::pair{major, minor};
}

// The value of `key` in pyvenv.cfg's text, or "".
std::string_view pyvenv_value(std::string_view cfg, std::string_view wanted) {
    while (!cfg.empty()) {
        std::size_t nl = cfg.find('\n');
        std::string_view line = cfg.substr(0, nl);
        cfg.remove_prefix(nl == std::string_view::npos ? cfg.size() : nl + 1);
        std::size_t eq = line.find('=');
        if (eq != std::string_view::npos && trim(line.substr(0, eq)) == wanted) return trim(line.substr(eq + 1));
    }
    return {};
}

// The interpreter that made the venv, for `make plugin PYTHON=...`: pyvenv.cfg's `executable`
// (Python >= 3.11 writes it), else pythonX.Y in its `home`; a placeholder when neither is an
// executable called pythonX.Y.
std::string venv_interpreter(std::string_view cfg, const std::string& version) {
    std::string candidates[] = {std::string(pyvenv_value(cfg, "executable")),
                                std::string(pyvenv_value(cfg, "home")) + "/python" + version};
    for (const std::string& path : candidates)
        if (path.starts_with('/') && path.ends_with("/python" + version) && ::access(path.c_str(), X_OK) == 0)
            return path;
    return "/path/to/python" + version;
}

}  // namespace

std::optional<std::pair<int, int>> pyvenv_version(std::string_view cfg) {
    std::optional<std::pair<int, int>> version = major_minor(pyvenv_value(cfg, "version"));
    std::optional<std::pair<int, int>> version_info = major_minor(pyvenv_value(cfg, "version_info"));
    return version_info ? version_info : version;
}

std::string check_venv_version(const std::string& home, std::string_view plugin, int major, int minor) {
    std::ifstream in(home + "/pyvenv.cfg");
    if (!in) return "";
    std::ostringstream text;
    text << in.rdbuf();
    std::optional<std::pair<int, int>> made_with = pyvenv_version(text.str());
    if (!made_with || *made_with == std::pair{major, minor}) return "";
    std::string ours = std::to_string(major) + "." + std::to_string(minor);
    std::string theirs = std::to_string(made_with->first) + "." + std::to_string(made_with->second);
    std::string their_plugin = "python" + std::to_string(made_with->first) + std::to_string(made_with->second);
    return "venv \"" + home + "\" was made with Python " + theirs + " (its pyvenv.cfg) but plugin " +
           std::string(plugin) + " runs Python " + ours + ": use `plugins = " + their_plugin +
           "` (build it with `make plugin PYTHON=" + venv_interpreter(text.str(), theirs) +
           "`), or recreate the venv with python" + ours + " -m venv " + home;
}

}  // namespace appserver::python
