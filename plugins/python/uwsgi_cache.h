#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace appserver::python {

// Adds the uwsgi module's cache functions (docs/uwsgi-api.md); false with a Python exception set.
bool add_cache_api(PyObject* module);

}  // namespace appserver::python
