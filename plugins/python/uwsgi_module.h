#pragma once
// The built-in `uwsgi` module (uWSGI's embedded module, first part: the facts, log, post_fork_hook,
// atexit). Registered with PyImport_AppendInittab before Py_Initialize, so `import uwsgi` works
// only inside appserver, as under uWSGI. docs/uwsgi-api.md lists what it offers.

#include <Python.h>

#include "appserver/app_runtime.h"
#include "appserver/options.h"

namespace appserver::python {

// Before Py_Initialize, in the master: remembers the options, the master's pid and the start time,
// and adds `uwsgi` to the interpreter's built-in modules. `options` must outlive the interpreter.
bool register_uwsgi_module(const Options& options);

// In a worker, before post-fork hooks run (worker_id(), total_requests()).
void set_uwsgi_worker(const WorkerFacts& facts);

// Calls uwsgi.post_fork_hook when the application set one (GIL held). A hook that raises is logged.
void call_post_fork_hook();

// Calls uwsgi.atexit when the application set one (GIL held), on a worker's graceful end.
void call_uwsgi_atexit();

// After each request on the calling thread: request_id() counts them, as uWSGI's per-core counter.
void note_uwsgi_request_done();

}  // namespace appserver::python
