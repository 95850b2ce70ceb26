#pragma once
// The `uwsgi` module's signal functions (uWSGI's signal framework): register_signal, signal,
// signal_registered, add_timer, add_ms_timer, add_rb_timer, add_cron, add_file_monitor. The core's
// side is include/appserver/api_signals.h; docs/uwsgi-api.md, "Signals, timers, cron".

#include <Python.h>

namespace appserver::python {

// Adds the functions to the module; false with the exception set.
bool add_signals_api(PyObject* module);

// Runs this process's handler for `num` (GIL held). No handler, or one that raises: logged.
void run_signal_handler(int num);

}  // namespace appserver::python
