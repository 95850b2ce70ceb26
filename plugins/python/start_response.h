#pragma once
// start_response(status, headers, exc_info=None) and the write(data) callable it returns, over the
// core's ResponseWriter. One ResponseState per request records what the application asked for
// and what has gone out; response.cpp sends the body through the same state.
//
// start_response validates eagerly (a final status "NNN Reason", never 1xx; headers a list of
// (str, str) with token names, no control characters but HTAB in values or the status, latin-1
// only) so the error surfaces in the application's frame.
// Headers are sent lazily: with the first non-empty body chunk, a write() call, or at the end.

#include <Python.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "appserver/app_runtime.h"

namespace appserver::python {

struct ResponseState {
    ResponseWriter* writer = nullptr;  // null once the request has ended
    bool called = false;               // start_response() succeeded at least once
    bool sent = false;                 // writer->start() has been called
    bool client_gone = false;          // a writer call returned false
    std::string status;
    HeaderList headers;

    // The value of the first header `name` (case-insensitive) the application set, if any.
    std::optional<std::string_view> header(std::string_view name) const;
    // Sends the status and headers unless already sent; raises RuntimeError when start_response
    // was not called. With the GIL held; releases it around the writer. False: exception set
    // (OSError when the client is gone).
    bool send_headers(std::optional<std::uint64_t> body_length);
    // Sends body bytes (headers first when needed); same contract as send_headers.
    bool write(std::string_view data);
};

// Creates the types; with the GIL held, once after the interpreter starts. False: exception set.
bool init_start_response_type();
// A new start_response callable for one request (new reference), or null with an exception set.
PyObject* new_start_response(ResponseWriter* writer);
// The state behind a callable made by new_start_response.
ResponseState& response_state(PyObject* start_response);
// Forgets the writer at the end of the request; the callable may outlive it in the application.
void detach_start_response(PyObject* start_response);

}  // namespace appserver::python
