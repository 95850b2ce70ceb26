#pragma once
// A venv only works with the Python it was made with: its site-packages sit in lib/pythonX.Y and its
// compiled modules are built for that ABI. Embedding another version gives "No module named
// 'django'" at import time; this check names the real cause before the interpreter starts.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace appserver::python {

// The major.minor a venv was made with, read from its pyvenv.cfg text: `version = 3.12.1` (venv) or
// `version_info = 3.12.1.final.0` (virtualenv, uv). nullopt when the file does not say.
std::optional<std::pair<int, int>> pyvenv_version(std::string_view cfg_text);

// "" when the venv at `home` (a directory with pyvenv.cfg) was made with Python `major`.`minor`, or
// does not say which; otherwise the error to print, which names the plugin that would run it
// (`plugin` is this one, e.g. python3) and how to build that plugin.
std::string check_venv_version(const std::string& home, std::string_view plugin, int major, int minor);

}  // namespace appserver::python
