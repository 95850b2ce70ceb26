#pragma once
// wsgi.input: a file-like object implemented in C over the core's BodyReader. It streams: data is
// read from the client only as the application asks for it, and only read()/read(-1) gathers the
// whole body. readline() keeps the bytes after the newline in a small internal buffer.
//
// A failed read (BodyReader returns -1: client gone, timeout, malformed chunked body) raises
// OSError, the same error a file read would give; every later read raises it again. After the
// request has ended (detach_input) a read raises ValueError like a closed file.

#include <Python.h>

#include "appserver/app_runtime.h"

namespace appserver::python {

// Creates the type; with the GIL held, once after the interpreter starts. False: exception set.
bool init_input_type();
// A new stream over `reader` (new reference), or null with an exception set.
PyObject* new_input(BodyReader* reader);
// Forgets the reader at the end of the request; the object may outlive it in the application.
void detach_input(PyObject* input);
// True once a read failed: the client went away, timed out, or sent a malformed body.
bool input_failed(PyObject* input);

}  // namespace appserver::python
