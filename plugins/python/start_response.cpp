#include "start_response.h"

#include <cstring>

#include "appserver/ascii.h"
#include "interpreter.h"
#include "py_ref.h"

namespace appserver::python {
namespace {

// The object behind start_response and write: the builtin functions' `self`.
struct StateObject {
    PyObject_HEAD
    ResponseState* state;
};

PyObject* state_type = nullptr;  // leaked on purpose: lives as long as the interpreter

ResponseState& state_of(PyObject* self) { return *reinterpret_cast<StateObject*>(self)->state; }

// The latin-1 bytes of a str; raises TypeError/ValueError naming `what` otherwise.
bool latin1_of(PyObject* text, const char* what, std::string_view& out) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "%s must be str, not %.100s", what, Py_TYPE(text)->tp_name);
        return false;
    }
    if (PyUnicode_READY(text) != 0) return false;
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) {
        PyErr_Format(PyExc_ValueError, "%s must be latin-1 encodable: %R", what, text);
        return false;
    }
    out = std::string_view(reinterpret_cast<const char*>(PyUnicode_1BYTE_DATA(text)),
                           static_cast<std::size_t>(PyUnicode_GET_LENGTH(text)));
    return true;
}

// CR and LF would end the line (response splitting); the other controls (NUL, VT, ESC, DEL...)
// are not field-value characters (RFC 9110 §5.5) and clients and proxies differ on them.
bool has_control_char(std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) return true;
    }
    return false;
}

bool parse_status(PyObject* object, std::string& status) {
    std::string_view text;
    if (!latin1_of(object, "status", text)) return false;
    bool valid = text.size() >= 4 && text[0] >= '1' && text[0] <= '9' && text[1] >= '0' && text[1] <= '9' &&
                 text[2] >= '0' && text[2] <= '9' && text[3] == ' ' && !has_control_char(text);
    if (!valid) {
        PyErr_Format(PyExc_ValueError, "status must look like \"200 OK\", not %R", object);
        return false;
    }
    if (text[0] == '1') {
        // A 1xx is an interim response: the client would wait for the final one and read the next
        // request's response as this one's. The server sends 100 Continue itself.
        PyErr_Format(PyExc_ValueError, "status %R is not a final status (1xx is interim)", object);
        return false;
    }
    status.assign(text);
    return true;
}

bool parse_headers(PyObject* object, HeaderList& headers) {
    if (!PyList_Check(object) && !PyTuple_Check(object)) {
        PyErr_Format(PyExc_TypeError, "headers must be a list of (name, value) tuples, not %.100s",
                     Py_TYPE(object)->tp_name);
        return false;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(object);
    headers.clear();
    headers.reserve(static_cast<std::size_t>(count));
    for (Py_ssize_t i = 0; i < count; ++i) {
        PyObject* item = PySequence_Fast_GET_ITEM(object, i);
        if ((!PyTuple_Check(item) && !PyList_Check(item)) || PySequence_Fast_GET_SIZE(item) != 2) {
            PyErr_Format(PyExc_TypeError, "header %zd must be a (name, value) tuple, not %R", i, item);
            return false;
        }
        std::string_view name;
        std::string_view value;
        if (!latin1_of(PySequence_Fast_GET_ITEM(item, 0), "header name", name) ||
            !latin1_of(PySequence_Fast_GET_ITEM(item, 1), "header value", value))
            return false;
        if (!ascii::is_token(name)) {
            PyErr_Format(PyExc_ValueError, "invalid header name %R", PySequence_Fast_GET_ITEM(item, 0));
            return false;
        }
        if (has_control_char(value)) {
            PyErr_Format(PyExc_ValueError, "header value of %R contains a control character (CR, LF, NUL...)",
                         PySequence_Fast_GET_ITEM(item, 0));
            return false;
        }
        headers.emplace_back(name, value);
    }
    return true;
}

PyObject* write_call(PyObject* self, PyObject* data);
PyMethodDef write_def = {"write", write_call, METH_O, "write(data): send body bytes now"};

// start_response(status, headers, exc_info=None)
PyObject* start_response_call(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    static const char* const keywords[] = {"status", "headers", "exc_info"};
    PyObject* given[3] = {nullptr, nullptr, Py_None};
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs > 3) {
        PyErr_Format(PyExc_TypeError, "start_response() takes at most 3 arguments (%zd given)", nargs);
        return nullptr;
    }
    for (Py_ssize_t i = 0; i < nargs; ++i) given[i] = args[i];
    for (Py_ssize_t k = 0; k < nkw; ++k) {
        const char* key = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
        if (key == nullptr) return nullptr;
        int slot = -1;
        for (int j = 0; j < 3; ++j)
            if (std::strcmp(key, keywords[j]) == 0) slot = j;
        if (slot < 0 || (slot < nargs)) {
            PyErr_Format(PyExc_TypeError, "start_response() got an unexpected or repeated argument '%s'",
                         key);
            return nullptr;
        }
        given[slot] = args[nargs + k];
    }
    if (given[0] == nullptr || given[1] == nullptr) {
        PyErr_SetString(PyExc_TypeError, "start_response() needs status and headers");
        return nullptr;
    }

    ResponseState& state = state_of(self);
    PyObject* exc_info = given[2];
    if (exc_info != Py_None) {
        if (state.sent) {
            // PEP 3333: too late to change the response; re-raise the application's error.
            if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3) {
                PyErr_SetString(PyExc_TypeError, "exc_info must be a (type, value, traceback) tuple");
                return nullptr;
            }
            PyObject* type = PyTuple_GET_ITEM(exc_info, 0);
            PyObject* value = PyTuple_GET_ITEM(exc_info, 1);
            PyObject* tb = PyTuple_GET_ITEM(exc_info, 2);
            Py_INCREF(type);
            Py_INCREF(value);
            Py_XINCREF(tb == Py_None ? nullptr : tb);
            PyErr_Restore(type, value, tb == Py_None ? nullptr : tb);
            return nullptr;
        }
    } else if (state.called) {
        PyErr_SetString(PyExc_RuntimeError, "start_response() called again without exc_info");
        return nullptr;
    }

    std::string status;
    HeaderList headers;
    if (!parse_status(given[0], status) || !parse_headers(given[1], headers)) return nullptr;
    state.status = std::move(status);
    state.headers = std::move(headers);
    state.called = true;
    return PyCFunction_NewEx(&write_def, self, nullptr);
}

// write(data): sends bytes at once (headers first when needed).
PyObject* write_call(PyObject* self, PyObject* data) {
    ResponseState& state = state_of(self);
    bool ok;
    if (PyBytes_Check(data)) {
        ok = state.write(
            std::string_view(PyBytes_AS_STRING(data), static_cast<std::size_t>(PyBytes_GET_SIZE(data))));
    } else {
        Py_buffer view;
        if (PyUnicode_Check(data) || PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) != 0) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "write() argument must be bytes, not %.100s",
                         Py_TYPE(data)->tp_name);
            return nullptr;
        }
        ok = state.write(
            std::string_view(static_cast<const char*>(view.buf), static_cast<std::size_t>(view.len)));
        PyBuffer_Release(&view);
    }
    if (!ok) return nullptr;
    Py_RETURN_NONE;
}

void state_dealloc(PyObject* self) {
    delete reinterpret_cast<StateObject*>(self)->state;
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyMethodDef start_response_def = {
    "start_response", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(start_response_call)),
    METH_FASTCALL | METH_KEYWORDS, "start_response(status, headers, exc_info=None) -> write"};

PyType_Slot state_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(state_dealloc)},
    {0, nullptr},
};

PyType_Spec state_spec = {
    "appserver.Response", sizeof(StateObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    state_slots,
};

bool set_client_gone(ResponseState& state) {
    state.client_gone = true;
    PyErr_SetString(PyExc_OSError, "client disconnected");
    return false;
}

}  // namespace

std::optional<std::string_view> ResponseState::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (ascii::iequals(key, name)) return std::string_view(value);
    return std::nullopt;
}

bool ResponseState::send_headers(std::optional<std::uint64_t> body_length) {
    if (writer == nullptr) {
        PyErr_SetString(PyExc_ValueError, "the request has ended");
        return false;
    }
    if (sent) return true;
    if (!called) {
        PyErr_SetString(PyExc_RuntimeError, "the application sent a body before calling start_response()");
        return false;
    }
    sent = true;
    // start() only prepares the head (it goes out with the first write or finish): no I/O, so the
    // GIL stays held instead of a release and re-acquire per request.
    return writer->start(status, headers, body_length) || set_client_gone(*this);
}

bool ResponseState::write(std::string_view data) {
    if (!send_headers(std::nullopt)) return false;
    if (data.empty()) return true;
    if (client_gone) return set_client_gone(*this);
    bool ok;
    {
        WithoutGil unlocked;
        ok = writer->write(data);
    }
    return ok || set_client_gone(*this);
}

bool init_start_response_type() {
    if (state_type == nullptr) state_type = PyType_FromSpec(&state_spec);
    return state_type != nullptr;
}

PyObject* new_start_response(ResponseWriter* writer) {
    auto* type = reinterpret_cast<PyTypeObject*>(state_type);
    auto* self = reinterpret_cast<StateObject*>(type->tp_alloc(type, 0));
    if (self == nullptr) return nullptr;
    self->state = new ResponseState();
    self->state->writer = writer;
    PyObject* function = PyCFunction_NewEx(&start_response_def, reinterpret_cast<PyObject*>(self), nullptr);
    Py_DECREF(self);
    return function;
}

ResponseState& response_state(PyObject* start_response) {
    return state_of(PyCFunction_GET_SELF(start_response));
}

void detach_start_response(PyObject* start_response) { response_state(start_response).writer = nullptr; }

}  // namespace appserver::python
