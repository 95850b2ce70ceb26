#pragma once
// The uwsgi module's spooler names (uWSGI's py_uwsgi_send_spool and friends in
// plugins/python/uwsgi_pymodule.c) and the call of `uwsgi.spooler` in a spooler process (uWSGI's
// uwsgi_python_spooler). docs/uwsgi-api.md, "Spooler", lists them and the differences.

#include <Python.h>

#include "appserver/app_runtime.h"

namespace appserver::python {

// Adds spool, send_to_spooler, spooler_pid, spooler_pids, spooler_jobs, spooler_dir,
// i_am_the_spooler and the `spoolers` tuple. False with the exception set.
bool add_spooler_api(PyObject* module);

// Calls uwsgi.spooler(env) with the task as uWSGI 2.0 builds it under Python 3: the task's keys and
// values as bytes, plus 'spooler_task_name' (the file's base name) and 'body' (when there is one),
// str keys with bytes values. GIL held. kSpoolIgnore when the app set
// no uwsgi.spooler; an exception (logged with its traceback) or a non-int result: kSpoolRetry.
int run_spooler_function(const SpoolTask& task);

}  // namespace appserver::python
