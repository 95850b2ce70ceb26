#pragma once
// What a runtime plugin (build/plugins/python3_plugin.so, python312_plugin.so ...) exports, so that
// the core can load it with dlopen (src/os/plugin_loader.*). The plugin calls the core back through
// the functions of api_*.h, which the executable exports (it links the whole core archive).

#include <cstddef>

#include "appserver/app_runtime.h"

namespace appserver {

// Which core a plugin was built for. Bump it whenever app_runtime.h, options.h or an api_*.h changes
// what crosses the boundary (a virtual function, a struct's fields, a signature): a plugin built
// before the change is then refused with one line instead of crashing. sizeof(Options) is checked
// too, as a second guard for the common case (a new option field, the number left as it was).
inline constexpr int kPluginAbi = 1;

// The entry points, all extern "C" and noexcept (no exception crosses dlopen's boundary):
//   int appserver_plugin_abi()                  -> kPluginAbi as the plugin was compiled
//   std::size_t appserver_plugin_options_size() -> sizeof(Options) as the plugin was compiled
//   const char* appserver_plugin_interpreter()  -> e.g. "Python 3.12.1", without starting it
//   AppRuntime* appserver_plugin_create_runtime() -> a new runtime (the caller deletes it), or null
inline constexpr const char* kPluginAbiSymbol = "appserver_plugin_abi";
inline constexpr const char* kPluginOptionsSizeSymbol = "appserver_plugin_options_size";
inline constexpr const char* kPluginInterpreterSymbol = "appserver_plugin_interpreter";
inline constexpr const char* kPluginCreateSymbol = "appserver_plugin_create_runtime";

using PluginAbiFn = int (*)();
using PluginOptionsSizeFn = std::size_t (*)();
using PluginInterpreterFn = const char* (*)();
using PluginCreateFn = AppRuntime* (*)();

}  // namespace appserver
