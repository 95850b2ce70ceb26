#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace appserver::python {

// Adds the uwsgi module's process functions (docs/uwsgi-api.md); false with a Python exception set.
bool add_process_api(PyObject* module);

}  // namespace appserver::python
