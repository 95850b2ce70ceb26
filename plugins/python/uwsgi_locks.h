#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace appserver::python {

// Adds the uwsgi module's locks functions (docs/uwsgi-api.md); false with a Python exception set.
bool add_locks_api(PyObject* module);

}  // namespace appserver::python
