#pragma once
// Turning the pending Python exception into text for the log and for one-line error messages.
// Call with the GIL held.

#include <Python.h>

#include <string>

namespace appserver::python {

struct PyErrorText {
    std::string summary;    // "ModuleNotFoundError: No module named 'x'"
    std::string traceback;  // the full "Traceback (most recent call last): ..." text
};

// Fetches and clears the pending exception. Without one, summary says so.
PyErrorText take_error();

// True when the pending exception is one of `type` (or a subclass).
bool error_is(PyObject* type);

}  // namespace appserver::python
