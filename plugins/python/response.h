#pragma once
// Running the application for one request and sending what it returns.
//
// The result is sent by shape: one bytes object whole (its size as the body_length hint); a list
// or tuple of bytes with their total size; a wsgi.file_wrapper over a regular file with sendfile;
// anything else by iteration, each non-empty chunk at once. close() on the result is always
// called, then the response is finished. An application error before the headers went out
// becomes a 500; after, the response is left unfinished so the core closes the connection.

#include <Python.h>

#include <string_view>

namespace appserver::python {

struct ResponseState;

struct RequestLabel {
    std::string_view method;  // for log lines
    std::string_view uri;
};

// With the GIL held. `start_response` is the callable made by new_start_response for `state`.
void run_application(PyObject* app, PyObject* environ, PyObject* start_response, PyObject* input,
                     ResponseState& state, const RequestLabel& label);

}  // namespace appserver::python
