#include "mount_select.h"

namespace appserver::python {

MountChoice choose_mount(const std::vector<std::string>& mountpoints, std::string_view script_name,
                         std::string_view path_info, bool manage_script_name) {
    MountChoice choice;
    if (!manage_script_name) {
        while (script_name.size() > 1 && script_name.back() == '/') script_name.remove_suffix(1);
        for (std::size_t i = 0; i < mountpoints.size(); ++i)
            if (mountpoints[i] == script_name) choice.app = static_cast<int>(i);
        return choice;
    }
    std::size_t best = 0;
    for (std::size_t i = 0; i < mountpoints.size(); ++i) {
        std::string_view m = mountpoints[i];
        if (m.size() <= best || !path_info.starts_with(m)) continue;
        // Whole segments only: /app1 matches /app1 and /app1/x, never /app10.
        if (path_info.size() > m.size() && path_info[m.size()] != '/') continue;
        best = m.size();
        choice.app = static_cast<int>(i);
        choice.script_name = m;
        choice.path_info = path_info.substr(m.size());
    }
    return choice;
}

}  // namespace appserver::python
