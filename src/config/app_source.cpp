// uWSGI loads `module`, then `wsgi-file`, then each `mount`, and skips every later one that claims a
// mountpoint already taken ("mountpoint already configured. skip."; checked with uWSGI 2.0.21). The
// same order here, with a warning naming the skipped line, so a config that works under uWSGI serves
// the same application. A mount under a URL prefix adds an application (several in one server),
// chosen per request by SCRIPT_NAME or, with manage-script-name, by the longest matching prefix.

#include "config/app_source.h"

#include <string_view>

namespace appserver::config {
namespace {

// Where the last entry of `name` came from (the command line wins, as in the merge).
Origin origin_of(std::string_view name, const std::vector<Setting>& ini, const std::vector<Setting>& cli) {
    Origin where{"", 0};
    for (const auto* settings : {&ini, &cli})
        for (const Setting& setting : *settings)
            if (setting.spec->name == name) where = setting.origin;
    return where;
}

std::string taken_by(const Options& o) {
    return o.module.empty() ? "wsgi-file (" + o.wsgi_file + ")" : "module (" + o.module + ")";
}

// One `mount = MOUNTPOINT=APP` entry: sets the application, skips it, or says why it cannot be served.
std::string apply_mount(Options& o, const Setting& setting) {
    std::string_view value = setting.value;
    std::string label = origin_prefix(setting.origin) + "option mount: \"" + setting.value + "\"";
    std::size_t eq = value.find('=');
    if (eq == std::string_view::npos) return label + " is not MOUNTPOINT=APP (e.g. /=app.py)";
    std::string_view mountpoint = value.substr(0, eq);
    std::string_view app = value.substr(eq + 1);
    // uWSGI ignores a trailing slash when it matches; "/" is the root.
    while (!mountpoint.empty() && mountpoint.back() == '/') mountpoint.remove_suffix(1);
    if (!mountpoint.empty() && mountpoint.front() != '/')
        return label + ": the mountpoint must start with / (e.g. /app=app.py)";
    // uWSGI's python plugin: a .py/.wsgi file, else module:callable; anything else it does not load.
    bool file = app.ends_with(".py") || app.ends_with(".wsgi");
    if (!file && app.find(':') == std::string_view::npos)
        return label + ": the application must be a .py/.wsgi file or module:callable";
    if (!mountpoint.empty()) {
        for (const Options::MountedApp& m : o.mounted_apps)
            if (m.mountpoint == mountpoint) {
                o.warnings.push_back({origin_file(setting.origin), setting.origin.line,
                                      "mount " + setting.value + " ignored: " + std::string(mountpoint) +
                                          " is mounted already, as uWSGI does (\"mountpoint already "
                                          "configured. skip.\")"});
                return "";
            }
        Options::MountedApp m;
        m.mountpoint = std::string(mountpoint);
        (file ? m.wsgi_file : m.module) = std::string(app);
        o.mounted_apps.push_back(std::move(m));
        return "";
    }
    if (!o.module.empty() || !o.wsgi_file.empty()) {
        o.warnings.push_back({origin_file(setting.origin), setting.origin.line,
                              "mount " + setting.value + " ignored: the application is already given by " +
                                  taken_by(o) +
                                  ", as uWSGI does (\"mountpoint already configured. skip.\")"});
        return "";
    }
    (file ? o.wsgi_file : o.module) = std::string(app);
    return "";
}

}  // namespace

std::string resolve_app_source(Options& o, const std::vector<Setting>& ini, const std::vector<Setting>& cli) {
    if (!o.wsgi_file.empty() && !o.module.empty()) {
        Origin where = origin_of("wsgi-file", ini, cli);
        o.warnings.push_back({origin_file(where), where.line,
                              "both module (" + o.module + ") and wsgi-file (" + o.wsgi_file +
                                  ") are set: loading the module and ignoring wsgi-file, as uWSGI does "
                                  "(it logs \"mountpoint already configured. skip.\")"});
        o.wsgi_file.clear();
    }
    for (const auto* settings : {&ini, &cli})
        for (const Setting& setting : *settings)
            if (setting.spec->name == "mount")
                if (std::string error = apply_mount(o, setting); !error.empty()) return error;
    return "";
}

}  // namespace appserver::config
