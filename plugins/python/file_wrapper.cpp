#include "file_wrapper.h"

#include "py_ref.h"

namespace appserver::python {
namespace {

struct FileWrapperObject {
    PyObject_HEAD
    PyObject* filelike;
    PyObject* blksize;  // an int, passed to read() as is
};

PyObject* wrapper_type = nullptr;  // leaked on purpose: lives as long as the interpreter
PyObject* read_name = nullptr;
PyObject* close_name = nullptr;

PyObject* wrapper_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"filelike", "blksize", nullptr};
    PyObject* filelike = nullptr;
    Py_ssize_t blksize = 8192;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|n:file_wrapper", const_cast<char**>(keywords),
                                     &filelike, &blksize))
        return nullptr;
    if (blksize <= 0) {
        PyErr_SetString(PyExc_ValueError, "blksize must be positive");
        return nullptr;
    }
    PyRef size = PyRef::steal(PyLong_FromSsize_t(blksize));
    if (!size) return nullptr;
    auto* self = reinterpret_cast<FileWrapperObject*>(type->tp_alloc(type, 0));
    if (self == nullptr) return nullptr;
    Py_INCREF(filelike);
    self->filelike = filelike;
    self->blksize = size.release();
    return reinterpret_cast<PyObject*>(self);
}

PyObject* wrapper_next(PyObject* self) {
    auto* wrapper = reinterpret_cast<FileWrapperObject*>(self);
    if (wrapper->filelike == nullptr) return nullptr;
    PyObject* data = PyObject_CallMethodOneArg(wrapper->filelike, read_name, wrapper->blksize);
    if (data == nullptr) return nullptr;
    if ((PyBytes_Check(data) && PyBytes_GET_SIZE(data) == 0) ||
        (PyUnicode_Check(data) && PyUnicode_GET_LENGTH(data) == 0)) {
        Py_DECREF(data);
        return nullptr;  // StopIteration
    }
    return data;
}

PyObject* wrapper_close(PyObject* self, PyObject*) {
    PyObject* filelike = reinterpret_cast<FileWrapperObject*>(self)->filelike;
    if (filelike == nullptr) Py_RETURN_NONE;
    PyRef close = PyRef::steal(PyObject_GetAttr(filelike, close_name));
    if (!close) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return PyObject_CallNoArgs(close.get());
}

int wrapper_traverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(reinterpret_cast<FileWrapperObject*>(self)->filelike);
    return 0;
}

int wrapper_clear(PyObject* self) {
    Py_CLEAR(reinterpret_cast<FileWrapperObject*>(self)->filelike);
    return 0;
}

void wrapper_dealloc(PyObject* self) {
    PyObject_GC_UnTrack(self);
    wrapper_clear(self);
    Py_CLEAR(reinterpret_cast<FileWrapperObject*>(self)->blksize);
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyMethodDef wrapper_methods[] = {
    {"close", wrapper_close, METH_NOARGS, "Close the wrapped file-like object."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot wrapper_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(wrapper_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(wrapper_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(wrapper_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(wrapper_clear)},
    {Py_tp_iter, reinterpret_cast<void*>(PyObject_SelfIter)},
    {Py_tp_iternext, reinterpret_cast<void*>(wrapper_next)},
    {Py_tp_methods, wrapper_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.file_wrapper(filelike, blksize=8192)")},
    {0, nullptr},
};

PyType_Spec wrapper_spec = {
    "appserver.FileWrapper", sizeof(FileWrapperObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    wrapper_slots,
};

}  // namespace

bool init_file_wrapper_type() {
    if (wrapper_type != nullptr) return true;
    read_name = PyUnicode_InternFromString("read");
    close_name = PyUnicode_InternFromString("close");
    if (read_name == nullptr || close_name == nullptr) return false;
    wrapper_type = PyType_FromSpec(&wrapper_spec);
    return wrapper_type != nullptr;
}

PyObject* file_wrapper_type() { return wrapper_type; }

PyObject* wrapped_file(PyObject* object) {
    if (Py_TYPE(object) != reinterpret_cast<PyTypeObject*>(wrapper_type)) return nullptr;
    return reinterpret_cast<FileWrapperObject*>(object)->filelike;
}

}  // namespace appserver::python
