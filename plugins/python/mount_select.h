#pragma once
// Which of several mounted applications answers a request (uWSGI's mount / manage-script-name), and
// how SCRIPT_NAME and PATH_INFO are split for it (PEP 3333). Plain C++: no Python.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace appserver::python {

struct MountChoice {
    int app = -1;  // index into the mountpoints; -1: the default application
    // With manage-script-name: the new SCRIPT_NAME (the mountpoint) and PATH_INFO (the rest).
    std::optional<std::string_view> script_name, path_info;
};

// `mountpoints`: "/prefix" each, no trailing slash. Without manage-script-name, the request's own
// SCRIPT_NAME (set by a front server: nginx's `uwsgi_param SCRIPT_NAME /app1`) names the app
// exactly. With it, the longest mountpoint that prefixes PATH_INFO on a segment boundary wins, and
// moves from PATH_INFO to SCRIPT_NAME. The returned views point into `mountpoints` and `path_info`.
MountChoice choose_mount(const std::vector<std::string>& mountpoints, std::string_view script_name,
                         std::string_view path_info, bool manage_script_name);

}  // namespace appserver::python
