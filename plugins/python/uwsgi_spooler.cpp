#include "uwsgi_spooler.h"

#include <spdlog/spdlog.h>

#include <climits>
#include <string>

#include "appserver/api_spooler.h"
#include "py_error.h"
#include "py_ref.h"

namespace appserver::python {
namespace {

PyObject* bytes_of(const std::string& text) {
    return PyBytes_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

// A key or value of a spool dict as bytes. uWSGI (Python 3) takes bytes only; str is encoded as
// UTF-8 and numbers as their str(), so `uwsgi.spool({'at': time.time() + 60})` works as users write it.
bool to_bytes(PyObject* object, bool key, std::string& out) {
    if (PyBytes_Check(object)) {
        out.assign(PyBytes_AS_STRING(object), static_cast<std::size_t>(PyBytes_GET_SIZE(object)));
        return true;
    }
    PyRef text = PyRef::borrow(object);
    if (!PyUnicode_Check(object)) {
        if (key || !(PyLong_Check(object) || PyFloat_Check(object))) {
            PyErr_SetString(PyExc_ValueError, "spooler callable dictionary must contains only bytes");
            return false;
        }
        text = PyRef::steal(PyObject_Str(object));
        if (!text) return false;
    }
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(text.get(), &size);
    if (utf8 == nullptr) return false;
    out.assign(utf8, static_cast<std::size_t>(size));
    return true;
}

// uwsgi.spool(dict) / uwsgi.spool(**kwargs) / send_to_spooler: returns the task file's path (bytes).
PyObject* py_spool(PyObject*, PyObject* args, PyObject* kwargs) {
    PyObject* dict = nullptr;  // borrowed
    if (args != nullptr && PyTuple_GET_SIZE(args) > 0) {
        dict = PyTuple_GET_ITEM(args, 0);
        if (!PyDict_Check(dict)) {
            PyErr_SetString(PyExc_ValueError, "The argument of spooler callable must be a dictionary");
            return nullptr;
        }
    } else {
        dict = kwargs;
    }
    if (dict == nullptr) {
        PyErr_SetString(PyExc_ValueError, "The argument of spooler callable must be a dictionary");
        return nullptr;
    }
    api::SpoolVars vars;
    std::string body;
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    Py_ssize_t pos = 0;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        std::string k;
        std::string v;
        if (!to_bytes(key, true, k)) return nullptr;
        if (k == "body" && (PyBytes_Check(value) || PyUnicode_Check(value))) {
            // Kept out of the vars (and out of their 64 KiB limit): the rest of the file.
            if (!to_bytes(value, false, body)) return nullptr;
            continue;
        }
        if (!to_bytes(value, false, v)) return nullptr;
        vars.emplace_back(std::move(k), std::move(v));
    }
    std::string error;
    std::optional<std::string> path;
    {
        PyThreadState* saved = PyEval_SaveThread();  // disk I/O
        path = api::spool(vars, body, error);
        PyEval_RestoreThread(saved);
    }
    if (!path) {
        spdlog::error("[uwsgi-spooler] {}", error);
        PyErr_SetString(PyExc_ValueError, "unable to spool job");
        return nullptr;
    }
    return bytes_of(*path);
}

PyObject* py_spooler_pid(PyObject*, PyObject*) {
    std::vector<long> pids = api::spooler_pids();
    return PyLong_FromLong(pids.empty() ? 0 : pids.front());
}

PyObject* py_spooler_pids(PyObject*, PyObject*) {
    PyRef list = PyRef::steal(PyList_New(0));
    if (!list) return nullptr;
    for (long pid : api::spooler_pids()) {
        PyRef item = PyRef::steal(PyLong_FromLong(pid));
        if (!item || PyList_Append(list.get(), item.get()) != 0) return nullptr;
    }
    return list.release();
}

PyObject* py_spooler_jobs(PyObject*, PyObject*) {
    PyRef list = PyRef::steal(PyList_New(0));
    if (!list) return nullptr;
    for (const std::string& path : api::spooler_jobs()) {
        PyRef item = PyRef::steal(bytes_of(path));
        if (!item || PyList_Append(list.get(), item.get()) != 0) return nullptr;
    }
    return list.release();
}

PyObject* py_spooler_dir(PyObject*, PyObject*) {
    std::string dir = api::current_spooler_dir();
    if (dir.empty()) {
        PyErr_SetString(PyExc_ValueError, "This process is not a spooler");
        return nullptr;
    }
    return bytes_of(dir);
}

PyObject* py_i_am_the_spooler(PyObject*, PyObject*) {
    if (!api::current_spooler_dir().empty()) Py_RETURN_TRUE;
    Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"spool", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_spool)), METH_VARARGS | METH_KEYWORDS,
     "writes a spooler task (a dict of bytes, or keyword arguments); returns its file's path"},
    {"send_to_spooler", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_spool)),
     METH_VARARGS | METH_KEYWORDS, "the same as spool"},
    {"spooler_pid", py_spooler_pid, METH_NOARGS, "the pid of the first spooler process (0: none)"},
    {"spooler_pids", py_spooler_pids, METH_NOARGS, "the pids of every spooler process"},
    {"spooler_jobs", py_spooler_jobs, METH_NOARGS, "the task files waiting in the first spooler directory"},
    {"spooler_dir", py_spooler_dir, METH_NOARGS, "in a spooler process: its directory"},
    {"i_am_the_spooler", py_i_am_the_spooler, METH_NOARGS, "True in a spooler process, else None"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

bool add_spooler_api(PyObject* module) {
    if (PyModule_AddFunctions(module, methods) != 0) return false;
    std::vector<std::string> dirs = api::spooler_dirs();
    if (dirs.empty()) return true;  // as uWSGI: uwsgi.spoolers exists only with a spooler
    PyRef tuple = PyRef::steal(PyTuple_New(static_cast<Py_ssize_t>(dirs.size())));
    if (!tuple) return false;
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        PyObject* item = bytes_of(dirs[i]);
        if (item == nullptr) return false;
        PyTuple_SET_ITEM(tuple.get(), static_cast<Py_ssize_t>(i), item);  // steals
    }
    if (PyModule_AddObject(module, "spoolers", tuple.get()) != 0) return false;
    tuple.release();
    return true;
}

int run_spooler_function(const SpoolTask& task) {
    PyObject* modules = PyImport_GetModuleDict();  // borrowed
    PyObject* module = modules ? PyDict_GetItemString(modules, "uwsgi") : nullptr;  // borrowed
    if (module == nullptr) return kSpoolIgnore;
    PyRef function = PyRef::steal(PyObject_GetAttrString(module, "spooler"));
    if (!function) {
        PyErr_Clear();
        return kSpoolIgnore;
    }
    PyRef env = PyRef::steal(PyDict_New());
    if (!env) {
        spdlog::error("spooler task {}: {}", task.name, take_error().summary);
        return kSpoolRetry;
    }
    auto set = [&env](const std::string& key, const std::string& value) {
        PyRef k = PyRef::steal(bytes_of(key));
        PyRef v = PyRef::steal(bytes_of(value));
        return k && v && PyDict_SetItem(env.get(), k.get(), v.get()) == 0;
    };
    // As uWSGI 2.0 under Python 3 (PyDict_SetItemString): these two keys are str, the task's own
    // keys bytes.
    auto set_str_key = [&env](const char* key, const std::string& value) {
        PyRef v = PyRef::steal(bytes_of(value));
        return v && PyDict_SetItemString(env.get(), key, v.get()) == 0;
    };
    bool ok = set_str_key("spooler_task_name", task.name);
    for (const auto& [key, value] : task.vars) ok = ok && set(key, value);
    if (!task.body.empty()) ok = ok && set_str_key("body", task.body);
    if (!ok) {
        spdlog::error("spooler task {}: {}", task.name, take_error().summary);
        return kSpoolRetry;
    }
    PyRef result = PyRef::steal(PyObject_CallOneArg(function.get(), env.get()));
    if (!result) {
        PyErrorText text = take_error();
        spdlog::error("spooler task {}: uwsgi.spooler raised {}", task.name, text.summary);
        if (!text.traceback.empty()) spdlog::error("{}", text.traceback);
        return kSpoolRetry;
    }
    if (!PyLong_Check(result.get())) return kSpoolRetry;  // as uWSGI: not an int means retry
    long value = PyLong_AsLong(result.get());
    if (value == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return kSpoolRetry;
    }
    if (value < INT_MIN || value > INT_MAX) return kSpoolRetry;
    return static_cast<int>(value);
}

}  // namespace appserver::python
