#pragma once
// The `uwsgi` module's mule functions (mule_id, mule_msg, mule_get_msg, farm_msg, farm_get_msg,
// in_farm, mule_file, mule_msg_recv_size, install_mule_msg_hook) over include/appserver/api_mules.h,
// and what a mule process runs (a script, module:callable, or the message loop).

#include <Python.h>

#include <string>

namespace appserver::python {

// Adds the mule functions to the `uwsgi` module. False with a Python exception set.
bool add_mules_api(PyObject* module);

// In a mule: runs `program` as uWSGI's python plugin does (FILE.py as __main__, module:callable
// called, empty: the message loop calling uwsgi.mule_msg_hook and the hooks of
// install_mule_msg_hook with each message). Takes the GIL itself; returns the exit code.
int run_python_mule(int id, const std::string& program);

}  // namespace appserver::python
