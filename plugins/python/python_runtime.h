#pragma once
// The Python runtime of this plugin, for plugin_entry.cpp (what the core dlopens) and the unit tests
// (which link the plugin's objects directly).

#include <memory>

#include "appserver/app_runtime.h"

namespace appserver {

std::unique_ptr<AppRuntime> make_python_runtime();

}  // namespace appserver
