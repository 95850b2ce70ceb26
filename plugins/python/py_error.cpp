#include "py_error.h"

#include <Python.h>

#include "py_ref.h"

namespace appserver::python {
namespace {

std::string to_utf8(PyObject* object) {
    PyRef text = PyRef::steal(PyObject_Str(object));
    if (!text) {
        PyErr_Clear();
        return "<unprintable>";
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text.get(), &size);
    if (data == nullptr) {
        PyErr_Clear();
        return "<unprintable>";
    }
    return std::string(data, static_cast<std::size_t>(size));
}

// traceback.format_exception(type, value, tb), joined; empty when formatting itself fails.
std::string format_traceback(PyObject* type, PyObject* value, PyObject* tb) {
    PyRef module = PyRef::steal(PyImport_ImportModule("traceback"));
    if (!module) {
        PyErr_Clear();
        return {};
    }
    PyRef lines = PyRef::steal(PyObject_CallMethod(module.get(), "format_exception", "OOO", type,
                                                   value ? value : Py_None, tb ? tb : Py_None));
    if (!lines) {
        PyErr_Clear();
        return {};
    }
    PyRef empty = PyRef::steal(PyUnicode_FromString(""));
    PyRef joined = PyRef::steal(PyUnicode_Join(empty.get(), lines.get()));
    if (!joined) {
        PyErr_Clear();
        return {};
    }
    std::string text = to_utf8(joined.get());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

}  // namespace

PyErrorText take_error() {
    PyObject* raw_type = nullptr;
    PyObject* raw_value = nullptr;
    PyObject* raw_tb = nullptr;
    PyErr_Fetch(&raw_type, &raw_value, &raw_tb);
    if (raw_type == nullptr) return {"no Python exception set", {}};
    PyErr_NormalizeException(&raw_type, &raw_value, &raw_tb);
    PyRef type = PyRef::steal(raw_type);
    PyRef value = PyRef::steal(raw_value);
    PyRef tb = PyRef::steal(raw_tb);
    if (tb && value) PyException_SetTraceback(value.get(), tb.get());

    PyErrorText result;
    result.summary = reinterpret_cast<PyTypeObject*>(type.get())->tp_name;
    // Builtin types have no module prefix in tp_name; heap types' tp_name is the bare name too.
    if (value) {
        std::string message = to_utf8(value.get());
        if (!message.empty()) result.summary += ": " + message;
    }
    result.traceback = format_traceback(type.get(), value.get(), tb.get());
    if (result.traceback.empty()) result.traceback = result.summary;
    return result;
}

bool error_is(PyObject* type) { return PyErr_ExceptionMatches(type) != 0; }

}  // namespace appserver::python
