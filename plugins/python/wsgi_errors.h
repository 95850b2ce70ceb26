#pragma once
// wsgi.errors: a text stream whose complete lines go to the server log at error level (spdlog),
// so they follow logto/daemonize like every other log line instead of a raw stderr write.

#include <Python.h>

namespace appserver::python {

// Creates the type; with the GIL held, once after the interpreter starts. False: exception set.
bool init_errors_type();
// A new stream (new reference), or null with an exception set.
PyObject* new_errors_stream();

}  // namespace appserver::python
