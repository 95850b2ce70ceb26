#include "wsgi_input.h"

#include <algorithm>
#include <cstring>

#include "interpreter.h"
#include "py_ref.h"

namespace appserver::python {
namespace {

constexpr Py_ssize_t read_chunk = 64 * 1024;  // per BodyReader call when the size is open-ended

struct InputObject {
    PyObject_HEAD
    BodyReader* reader;  // null once the request has ended
    char* buffer;        // bytes read ahead by readline(), [start, end)
    Py_ssize_t capacity;
    Py_ssize_t start;
    Py_ssize_t end;
    bool at_eof;
    bool failed;
};

PyObject* input_type = nullptr;  // leaked on purpose: lives as long as the interpreter

Py_ssize_t buffered(const InputObject* self) { return self->end - self->start; }

bool check_usable(InputObject* self) {
    if (self->reader == nullptr) {
        PyErr_SetString(PyExc_ValueError, "wsgi.input used after the request ended");
        return false;
    }
    if (self->failed) {
        PyErr_SetString(PyExc_OSError, "reading the request body failed");
        return false;
    }
    return true;
}

// One BodyReader call without the GIL. Returns the count, 0 at the end; -1 with OSError set.
Py_ssize_t read_raw(InputObject* self, char* into, Py_ssize_t size) {
    if (self->at_eof || size == 0) return 0;
    long count;
    {
        WithoutGil unlocked;
        count = self->reader->read(into, static_cast<std::size_t>(size));
    }
    if (count < 0) {
        self->failed = true;
        PyErr_SetString(PyExc_OSError,
                        "reading the request body failed (client gone, timed out or malformed body)");
        return -1;
    }
    if (count == 0) self->at_eof = true;
    return count;
}

// Reads more into the internal buffer (growing it when full). Returns the count, 0 at the end,
// -1 with an exception set.
Py_ssize_t fill_buffer(InputObject* self) {
    if (self->start > 0) {
        std::memmove(self->buffer, self->buffer + self->start, static_cast<std::size_t>(buffered(self)));
        self->end -= self->start;
        self->start = 0;
    }
    if (self->end == self->capacity) {
        Py_ssize_t capacity = self->capacity == 0 ? 8192 : self->capacity * 2;
        char* grown = static_cast<char*>(PyMem_Realloc(self->buffer, static_cast<std::size_t>(capacity)));
        if (grown == nullptr) {
            PyErr_NoMemory();
            return -1;
        }
        self->buffer = grown;
        self->capacity = capacity;
    }
    Py_ssize_t count = read_raw(self, self->buffer + self->end, self->capacity - self->end);
    if (count > 0) self->end += count;
    return count;
}

// Up to `limit` bytes (all when negative): the buffer first, then straight from the reader into
// the result, which grows as data arrives rather than being sized by `limit` up front.
PyObject* read_bytes(InputObject* self, Py_ssize_t limit) {
    if (!check_usable(self)) return nullptr;
    Py_ssize_t from_buffer = limit < 0 ? buffered(self) : std::min(limit, buffered(self));
    Py_ssize_t wanted_more = limit < 0 ? PY_SSIZE_T_MAX : limit - from_buffer;
    Py_ssize_t size = from_buffer + std::min(wanted_more, self->at_eof ? 0 : read_chunk);
    PyObject* result = PyBytes_FromStringAndSize(nullptr, size);
    if (result == nullptr) return nullptr;
    if (from_buffer > 0) {
        std::memcpy(PyBytes_AS_STRING(result), self->buffer + self->start,
                    static_cast<std::size_t>(from_buffer));
        self->start += from_buffer;
    }
    Py_ssize_t have = from_buffer;
    while (wanted_more > 0 && !self->at_eof) {
        if (have == size) {
            Py_ssize_t grow = std::min(wanted_more, std::max(size, read_chunk));
            if (_PyBytes_Resize(&result, size + grow) != 0) return nullptr;
            size += grow;
        }
        Py_ssize_t count = read_raw(self, PyBytes_AS_STRING(result) + have, size - have);
        if (count < 0) {
            Py_DECREF(result);
            return nullptr;
        }
        have += count;
        wanted_more -= count;
    }
    if (have != size && _PyBytes_Resize(&result, have) != 0) return nullptr;
    return result;
}

// One line including its newline, at most `limit` bytes when limit >= 0; b"" at the end.
PyObject* read_line(InputObject* self, Py_ssize_t limit) {
    if (!check_usable(self)) return nullptr;
    Py_ssize_t scanned = 0;
    for (;;) {
        Py_ssize_t available = buffered(self);
        Py_ssize_t window = limit >= 0 ? std::min(available, limit) : available;
        const char* begin = self->buffer + self->start;
        const void* newline =
            window > scanned ? std::memchr(begin + scanned, '\n', static_cast<std::size_t>(window - scanned))
                             : nullptr;
        Py_ssize_t take = -1;
        if (newline != nullptr)
            take = static_cast<const char*>(newline) - begin + 1;
        else if ((limit >= 0 && available >= limit) || self->at_eof)
            take = window;
        if (take >= 0) {
            PyObject* line = PyBytes_FromStringAndSize(begin, take);
            if (line != nullptr) self->start += take;
            return line;
        }
        scanned = window;
        if (fill_buffer(self) < 0) return nullptr;  // `scanned` counts from start, which it keeps
    }
}

// Accepts no argument, None or an integer (negative: no limit) like io's size arguments.
bool size_argument(PyObject* const* args, Py_ssize_t nargs, const char* name, Py_ssize_t& size) {
    size = -1;
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most 1 argument (%zd given)", name, nargs);
        return false;
    }
    if (nargs == 0 || args[0] == Py_None) return true;
    if (!PyIndex_Check(args[0])) {
        PyErr_Format(PyExc_TypeError, "%s() argument must be int or None, not %.100s", name,
                     Py_TYPE(args[0])->tp_name);
        return false;
    }
    size = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
    if (size == -1 && PyErr_Occurred()) return false;
    if (size < 0) size = -1;
    return true;
}

PyObject* input_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t size;
    if (!size_argument(args, nargs, "read", size)) return nullptr;
    return read_bytes(reinterpret_cast<InputObject*>(self), size);
}

PyObject* input_readline(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t limit;
    if (!size_argument(args, nargs, "readline", limit)) return nullptr;
    return read_line(reinterpret_cast<InputObject*>(self), limit);
}

PyObject* input_readlines(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t hint;
    if (!size_argument(args, nargs, "readlines", hint)) return nullptr;
    PyRef lines = PyRef::steal(PyList_New(0));
    if (!lines) return nullptr;
    Py_ssize_t total = 0;
    for (;;) {
        PyRef line = PyRef::steal(read_line(reinterpret_cast<InputObject*>(self), -1));
        if (!line) return nullptr;
        Py_ssize_t size = PyBytes_GET_SIZE(line.get());
        if (size == 0) break;
        if (PyList_Append(lines.get(), line.get()) != 0) return nullptr;
        total += size;
        if (hint > 0 && total >= hint) break;
    }
    return lines.release();
}

PyObject* input_next(PyObject* self) {
    PyObject* line = read_line(reinterpret_cast<InputObject*>(self), -1);
    if (line != nullptr && PyBytes_GET_SIZE(line) == 0) {
        Py_DECREF(line);
        return nullptr;  // StopIteration
    }
    return line;
}

PyObject* input_readable(PyObject*, PyObject*) { Py_RETURN_TRUE; }

void input_dealloc(PyObject* self) {
    PyMem_Free(reinterpret_cast<InputObject*>(self)->buffer);
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyMethodDef input_methods[] = {
    {"read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_read)), METH_FASTCALL,
     "read([size]) -> bytes; all of the rest of the body without size"},
    {"readline", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readline)), METH_FASTCALL,
     "readline([limit]) -> one line including its newline"},
    {"readlines", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readlines)), METH_FASTCALL,
     "readlines([hint]) -> list of lines"},
    {"readable", input_readable, METH_NOARGS, "True"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot input_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(input_dealloc)},
    {Py_tp_methods, input_methods},
    {Py_tp_iter, reinterpret_cast<void*>(PyObject_SelfIter)},
    {Py_tp_iternext, reinterpret_cast<void*>(input_next)},
    {Py_tp_doc, const_cast<char*>("wsgi.input: the request body")},
    {0, nullptr},
};

PyType_Spec input_spec = {
    "appserver.InputStream",
    sizeof(InputObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    input_slots,
};

}  // namespace

bool init_input_type() {
    if (input_type == nullptr) input_type = PyType_FromSpec(&input_spec);
    return input_type != nullptr;
}

PyObject* new_input(BodyReader* reader) {
    auto* type = reinterpret_cast<PyTypeObject*>(input_type);
    auto* self = reinterpret_cast<InputObject*>(type->tp_alloc(type, 0));  // zero-filled
    if (self == nullptr) return nullptr;
    self->reader = reader;
    return reinterpret_cast<PyObject*>(self);
}

void detach_input(PyObject* input) { reinterpret_cast<InputObject*>(input)->reader = nullptr; }

bool input_failed(PyObject* input) { return reinterpret_cast<InputObject*>(input)->failed; }

}  // namespace appserver::python
