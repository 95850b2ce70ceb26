#pragma once
// wsgi.file_wrapper(filelike, blksize=8192): the application returns it to have a file sent.
// response.cpp recognises it: a regular file with fileno() is handed to the core's send_file (the
// worker's event loop sends it with sendfile(2), from a descriptor of its own, after the app has
// returned); anything else is iterated here, read(blksize) at a time. close() closes the
// file-like object.

#include <Python.h>

namespace appserver::python {

// Creates the type; with the GIL held, once after the interpreter starts. False: exception set.
bool init_file_wrapper_type();
// The type itself (borrowed): the value of environ["wsgi.file_wrapper"].
PyObject* file_wrapper_type();
// The wrapped file-like object (borrowed) when `object` is exactly a file wrapper, else null.
PyObject* wrapped_file(PyObject* object);

}  // namespace appserver::python
