#pragma once
// Finding the WSGI callable: a wsgi-file executed as a module, or an importable module with an
// optional ":callable" (which overrides the callable option; "name()" calls a factory).

#include <Python.h>

#include <string>

#include "appserver/options.h"
#include "py_ref.h"

namespace appserver::python {

struct LoadedApp {
    PyRef callable;
    std::string name;  // "wsgi-file haha.py (callable application)"
};

// With the GIL held. False: `error` is one line; the Python traceback, if any, has been logged.
bool load_application(const Options& options, LoadedApp& app, std::string& error);

// The sys.modules name of a wsgi-file, as uWSGI derives it: "uwsgi_file_" + the path with every
// character outside [A-Za-z0-9] replaced by '_'.
std::string wsgi_file_module_name(const std::string& path);

}  // namespace appserver::python
