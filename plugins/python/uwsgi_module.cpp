#include "uwsgi_module.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include "py_error.h"
#include "py_ref.h"
#include "uwsgi_cache.h"
#include "uwsgi_locks.h"
#include "uwsgi_process.h"
#include "uwsgi_spooler.h"
#include "uwsgi_signals.h"
#include "uwsgi_mules.h"

namespace appserver::python {
namespace {

// Set once in the master before the interpreter starts; workers inherit them through fork.
const Options* module_options = nullptr;
long master_pid = 0;
std::int64_t started_on = 0;
WorkerFacts worker;
// Requests this thread finished: uWSGI's request_id() is its core's counter, the same thing.
thread_local std::uint64_t thread_requests_done = 0;

PyObject* py_worker_id(PyObject*, PyObject*) { return PyLong_FromLong(worker.id); }
PyObject* py_masterpid(PyObject*, PyObject*) { return PyLong_FromLong(master_pid); }
PyObject* py_total_requests(PyObject*, PyObject*) {
    return PyLong_FromUnsignedLongLong(worker.total_requests ? worker.total_requests() : 0);
}
PyObject* py_request_id(PyObject*, PyObject*) { return PyLong_FromUnsignedLongLong(thread_requests_done); }
// uWSGI returns None (it only matters with --need-app-accepting); kept so callers do not fail.
PyObject* py_accepting(PyObject*, PyObject*) { Py_RETURN_NONE; }

// uwsgi.log(message): one line in the server's log; a str, as uWSGI takes it.
PyObject* py_log(PyObject*, PyObject* args) {
    const char* text = nullptr;
    if (!PyArg_ParseTuple(args, "s:log", &text)) return nullptr;
    std::string line(text);
    {
        PyThreadState* saved = PyEval_SaveThread();  // the log may block on a pipe or a file
        spdlog::info("{}", line);
        PyEval_RestoreThread(saved);
    }
    Py_RETURN_TRUE;
}

PyMethodDef methods[] = {
    {"worker_id", py_worker_id, METH_NOARGS, "this worker's number, 1..processes; 0 in the master"},
    {"masterpid", py_masterpid, METH_NOARGS, "the master's pid"},
    {"total_requests", py_total_requests, METH_NOARGS, "requests all workers have finished"},
    {"request_id", py_request_id, METH_NOARGS, "requests this worker thread finished before this one"},
    {"accepting", py_accepting, METH_VARARGS, "accepted for uWSGI compatibility; does nothing"},
    {"log", py_log, METH_VARARGS, "writes one line to the server's log"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "uwsgi", "appserver's uwsgi module (a uWSGI work-alike)", -1, methods,
    nullptr,               nullptr, nullptr,
    nullptr,
};

PyObject* bytes_of(const std::string& text) {
    return PyBytes_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

// uwsgi.opt as uWSGI builds it: key -> bytes value (True for a bare flag); a key given more than
// once -> a list of its values in order.
PyObject* build_opt(const Options& options) {
    PyRef dict = PyRef::steal(PyDict_New());
    if (!dict) return nullptr;
    for (const ExportedOption& option : options.exported) {
        PyRef key = PyRef::steal(PyUnicode_DecodeFSDefault(option.key.c_str()));
        PyRef value = option.value ? PyRef::steal(bytes_of(*option.value)) : PyRef::borrow(Py_True);
        if (!key || !value) return nullptr;
        PyObject* existing = PyDict_GetItemWithError(dict.get(), key.get());  // borrowed
        if (existing == nullptr && PyErr_Occurred()) return nullptr;
        if (existing == nullptr) {
            if (PyDict_SetItem(dict.get(), key.get(), value.get()) != 0) return nullptr;
        } else if (PyList_Check(existing)) {
            if (PyList_Append(existing, value.get()) != 0) return nullptr;
        } else {
            PyRef list = PyRef::steal(PyList_New(0));
            if (!list || PyList_Append(list.get(), existing) != 0 || PyList_Append(list.get(), value.get()) != 0 ||
                PyDict_SetItem(dict.get(), key.get(), list.get()) != 0)
                return nullptr;
        }
    }
    return dict.release();
}

// Adds a new reference under `name`; false with the exception set.
bool add(PyObject* module, const char* name, PyObject* value) {
    if (value == nullptr) return false;
    if (PyModule_AddObject(module, name, value) != 0) {
        Py_DECREF(value);
        return false;
    }
    return true;
}

std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return {};
    return buffer;
}

PyObject* init_module() {
    PyRef module = PyRef::steal(PyModule_Create(&module_def));
    if (!module || module_options == nullptr) return module.release();
    const std::string version = APPSERVER_VERSION;
    int parts[3] = {0, 0, 0};
    std::sscanf(version.c_str(), "%d.%d.%d", &parts[0], &parts[1], &parts[2]);
    PyObject* module_ptr = module.get();
    bool ok = add(module_ptr, "version", bytes_of(version)) &&
              add(module_ptr, "version_info", Py_BuildValue("(iiiiy)", parts[0], parts[1], parts[2], 0, "appserver")) &&
              add(module_ptr, "hostname", bytes_of(host_name())) &&
              add(module_ptr, "started_on", PyLong_FromLongLong(started_on)) &&
              add(module_ptr, "numproc", PyLong_FromLong(module_options->processes)) &&
              add(module_ptr, "opt", build_opt(*module_options)) &&
              add(module_ptr, "SPOOL_RETRY", PyLong_FromLong(-1)) &&
              add(module_ptr, "SPOOL_OK", PyLong_FromLong(-2)) &&
              add(module_ptr, "SPOOL_IGNORE", PyLong_FromLong(0));
    ok = ok && add_locks_api(module_ptr);
    ok = ok && add_cache_api(module_ptr);
    ok = ok && add_process_api(module_ptr);
    ok = ok && add_spooler_api(module_ptr);
    ok = ok && add_signals_api(module_ptr);
    ok = ok && add_mules_api(module_ptr);
    if (!ok) return nullptr;
    return module.release();
}

extern "C" PyObject* PyInit_uwsgi() { return init_module(); }

// Calls uwsgi.<name>() when it is set and callable; an exception is logged, not fatal (uWSGI
// prints it and goes on).
void call_hook(const char* name) {
    PyObject* modules = PyImport_GetModuleDict();  // borrowed
    // Only an application that imported uwsgi can have set a hook; importing it here would not.
    PyObject* module = modules ? PyDict_GetItemString(modules, "uwsgi") : nullptr;  // borrowed
    if (module == nullptr) return;
    PyRef hook = PyRef::steal(PyObject_GetAttrString(module, name));
    if (!hook) {
        PyErr_Clear();
        return;
    }
    if (!PyCallable_Check(hook.get())) return;
    PyRef result = PyRef::steal(PyObject_CallNoArgs(hook.get()));
    if (!result) {
        PyErrorText text = take_error();
        spdlog::error("uwsgi.{} raised: {}", name, text.summary);
        if (!text.traceback.empty()) spdlog::error("{}", text.traceback);
    }
}

}  // namespace

bool register_uwsgi_module(const Options& options) {
    module_options = &options;
    master_pid = static_cast<long>(::getpid());
    started_on = static_cast<std::int64_t>(::time(nullptr));
    // Once per process: the table outlives Py_FinalizeEx (unit tests start interpreters again).
    static bool registered = false;
    if (registered) return true;
    registered = PyImport_AppendInittab("uwsgi", PyInit_uwsgi) == 0;
    return registered;
}

void set_uwsgi_worker(const WorkerFacts& facts) { worker = facts; }

void call_post_fork_hook() { call_hook("post_fork_hook"); }

void call_uwsgi_atexit() { call_hook("atexit"); }

void note_uwsgi_request_done() { ++thread_requests_done; }

}  // namespace appserver::python
