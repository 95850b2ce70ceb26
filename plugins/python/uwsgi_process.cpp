// uwsgi.reload / stop / set_user_harakiri / logsize (include/appserver/api_process.h).
#include "uwsgi_process.h"

#include "appserver/api_process.h"

namespace appserver::python {
namespace {

// True when the master was signalled, None when it could not be (uWSGI's return values).
PyObject* sent(bool ok) {
    if (ok) Py_RETURN_TRUE;
    Py_RETURN_NONE;
}

PyObject* py_reload(PyObject*, PyObject*) { return sent(api::reload()); }
PyObject* py_stop(PyObject*, PyObject*) { return sent(api::stop()); }

PyObject* py_set_user_harakiri(PyObject*, PyObject* args) {
    int seconds = 0;
    if (!PyArg_ParseTuple(args, "i:set_user_harakiri", &seconds)) return nullptr;
    api::set_user_harakiri(seconds < 0 ? 0 : seconds);  // outside a request: nothing to limit
    Py_RETURN_NONE;
}

PyObject* py_logsize(PyObject*, PyObject*) { return PyLong_FromUnsignedLongLong(api::logsize()); }

PyMethodDef methods[] = {
    {"reload", py_reload, METH_VARARGS, "gracefully reload the instance (as --reload); True when signalled"},
    {"stop", py_stop, METH_VARARGS, "gracefully stop the instance (as --stop); True when signalled"},
    {"set_user_harakiri", py_set_user_harakiri, METH_VARARGS,
     "set_user_harakiri(seconds): kill this worker if the current request still runs after seconds; 0 clears"},
    {"logsize", py_logsize, METH_VARARGS, "bytes in the server's log file (0 when it is not a file)"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

bool add_process_api(PyObject* module) { return PyModule_AddFunctions(module, methods) == 0; }

}  // namespace appserver::python
