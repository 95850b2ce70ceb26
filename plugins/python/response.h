#pragma once
// Running the application for one request and sending what it returns.
//
// The result is sent by shape: one bytes object whole (its size as the body_length hint); a list
// or tuple of bytes with their total size; a wsgi.file_wrapper over a regular file with sendfile;
// anything else by iteration, each non-empty chunk at once. close() on the result is always
// called, then the response is finished. An application error before the headers went out
// becomes a 500; after, the response is left unfinished so the core closes the connection.
//
// A small body known whole (a bytes object, or a list or tuple of them: types without close())
// is held back and written with the head once the GIL is released, and the end of the response
// is written there too: one GIL hand-off per request instead of one per write and one to finish.

#include <Python.h>

#include <string_view>

#include "appserver/app_runtime.h"

namespace appserver::python {

struct ResponseState;

struct RequestLabel {
    std::string_view method;  // for log lines
    std::string_view uri;
};

// What is left of the response once the application's result is sent: for finish_response,
// after the GIL is released.
struct ResponseTail {
    bool finish = false;    // end the body (not after an error or a gone client)
    std::string_view held;  // body bytes held back (thread-local: valid until this thread's next request)
};

// With the GIL held. `start_response` is the callable made by new_start_response for `state`.
ResponseTail run_application(PyObject* app, PyObject* environ, PyObject* start_response, PyObject* input,
                             ResponseState& state, const RequestLabel& label);

// Without the GIL: writes the held bytes (with the head) and ends the response.
void finish_response(ResponseWriter& writer, const ResponseTail& tail, const RequestLabel& label);

}  // namespace appserver::python
