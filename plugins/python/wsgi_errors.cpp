#include "wsgi_errors.h"

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "py_ref.h"

namespace appserver::python {
namespace {

// One stream is shared by every request of the worker; the GIL serialises writes, so a line
// written by one write() call is never torn, though partial lines of two threads may mix.
struct ErrorsObject {
    PyObject_HEAD
    std::string* pending;  // text after the last newline
};

PyObject* errors_type = nullptr;  // leaked on purpose: lives as long as the interpreter

void log_lines(ErrorsObject* self, std::string_view text) {
    std::string& pending = *self->pending;
    std::size_t start = 0;
    for (std::size_t newline; (newline = text.find('\n', start)) != std::string_view::npos;
         start = newline + 1) {
        pending.append(text.substr(start, newline - start));
        spdlog::error("{}", pending);
        pending.clear();
    }
    pending.append(text.substr(start));
}

bool write_one(ErrorsObject* self, PyObject* text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "wsgi.errors.write() argument must be str, not %.100s",
                     Py_TYPE(text)->tp_name);
        return false;
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text, &size);
    if (data == nullptr) return false;
    log_lines(self, std::string_view(data, static_cast<std::size_t>(size)));
    return true;
}

PyObject* errors_write(PyObject* self, PyObject* text) {
    if (!write_one(reinterpret_cast<ErrorsObject*>(self), text)) return nullptr;
    return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(text));
}

PyObject* errors_writelines(PyObject* self, PyObject* lines) {
    PyRef iterator = PyRef::steal(PyObject_GetIter(lines));
    if (!iterator) return nullptr;
    while (PyRef line = PyRef::steal(PyIter_Next(iterator.get()))) {
        if (!write_one(reinterpret_cast<ErrorsObject*>(self), line.get())) return nullptr;
    }
    if (PyErr_Occurred()) return nullptr;
    Py_RETURN_NONE;
}

PyObject* errors_flush(PyObject* self, PyObject*) {
    auto* errors = reinterpret_cast<ErrorsObject*>(self);
    if (!errors->pending->empty()) {
        spdlog::error("{}", *errors->pending);
        errors->pending->clear();
    }
    Py_RETURN_NONE;
}

void errors_dealloc(PyObject* self) {
    auto* errors = reinterpret_cast<ErrorsObject*>(self);
    if (errors->pending != nullptr && !errors->pending->empty()) spdlog::error("{}", *errors->pending);
    delete errors->pending;
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyMethodDef errors_methods[] = {
    {"write", errors_write, METH_O, "Log text at error level, line by line."},
    {"writelines", errors_writelines, METH_O, "Write each string of an iterable."},
    {"flush", errors_flush, METH_NOARGS, "Log a pending partial line."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot errors_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(errors_dealloc)},
    {Py_tp_methods, errors_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.errors: lines go to the server log")},
    {0, nullptr},
};

PyType_Spec errors_spec = {
    "appserver.ErrorStream",
    sizeof(ErrorsObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    errors_slots,
};

}  // namespace

bool init_errors_type() {
    if (errors_type == nullptr) errors_type = PyType_FromSpec(&errors_spec);
    return errors_type != nullptr;
}

PyObject* new_errors_stream() {
    auto* type = reinterpret_cast<PyTypeObject*>(errors_type);
    auto* self = reinterpret_cast<ErrorsObject*>(type->tp_alloc(type, 0));
    if (self == nullptr) return nullptr;
    self->pending = new std::string();
    return reinterpret_cast<PyObject*>(self);
}

}  // namespace appserver::python
