// uwsgi.lock / unlock / is_locked over the instance's user locks (include/appserver/api_locks.h).
#include "uwsgi_locks.h"

#include "appserver/api_locks.h"

namespace appserver::python {
namespace {

// uWSGI's check and message: numbers 0..locks.
bool valid(int n) {
    if (n >= 0 && n < api::lock_count()) return true;
    PyErr_SetString(PyExc_ValueError, "Invalid lock number");
    return false;
}

PyObject* py_lock(PyObject*, PyObject* args) {
    int n = 0;
    if (!PyArg_ParseTuple(args, "|i:lock", &n) || !valid(n)) return nullptr;
    bool ok = false;
    Py_BEGIN_ALLOW_THREADS  // another worker may hold it for long; threads of this one go on
    ok = api::lock(n);
    Py_END_ALLOW_THREADS
    if (!ok) return PyErr_Format(PyExc_OSError, "unable to take lock %d (see the server's log)", n);
    Py_RETURN_NONE;
}

PyObject* py_unlock(PyObject*, PyObject* args) {
    int n = 0;
    if (!PyArg_ParseTuple(args, "|i:unlock", &n) || !valid(n)) return nullptr;
    api::unlock(n);  // a lock this thread does not hold is left alone, silently, as uWSGI
    Py_RETURN_NONE;
}

PyObject* py_is_locked(PyObject*, PyObject* args) {
    int n = 0;
    if (!PyArg_ParseTuple(args, "|i:is_locked", &n) || !valid(n)) return nullptr;
    bool locked = false;
    Py_BEGIN_ALLOW_THREADS
    locked = api::is_locked(n);
    Py_END_ALLOW_THREADS
    return PyBool_FromLong(locked ? 1 : 0);
}

PyMethodDef methods[] = {
    {"lock", py_lock, METH_VARARGS, "lock(n=0): waits for user lock n, shared by all processes"},
    {"unlock", py_unlock, METH_VARARGS, "unlock(n=0): releases user lock n"},
    {"is_locked", py_is_locked, METH_VARARGS, "is_locked(n=0): True when some process holds lock n"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

bool add_locks_api(PyObject* module) { return PyModule_AddFunctions(module, methods) == 0; }

}  // namespace appserver::python
