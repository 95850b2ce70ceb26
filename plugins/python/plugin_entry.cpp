// The C entry points the core looks up after dlopen (include/appserver/plugin_abi.h). They are the
// only symbols the plugin exports (it is built with hidden visibility), so two plugins' internals
// never meet, and none of them lets an exception out.

#include <Python.h>

#include <cstddef>

#include "appserver/plugin_abi.h"
#include "python_runtime.h"

#define APPSERVER_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

APPSERVER_PLUGIN_EXPORT int appserver_plugin_abi() noexcept { return appserver::kPluginAbi; }

APPSERVER_PLUGIN_EXPORT std::size_t appserver_plugin_options_size() noexcept {
    return sizeof(appserver::Options);
}

// PY_VERSION is the version of the headers the plugin was compiled with, which is the libpython it
// links: no need to start the interpreter (--version lists every plugin this way).
APPSERVER_PLUGIN_EXPORT const char* appserver_plugin_interpreter() noexcept { return "Python " PY_VERSION; }

APPSERVER_PLUGIN_EXPORT appserver::AppRuntime* appserver_plugin_create_runtime() noexcept {
    try {
        return appserver::make_python_runtime().release();
    } catch (...) {  // std::bad_alloc: the core reports a null runtime
        return nullptr;
    }
}
