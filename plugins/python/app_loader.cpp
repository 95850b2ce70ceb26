#include "app_loader.h"

#include <spdlog/spdlog.h>

#include "py_error.h"

namespace appserver::python {
namespace {

void log_traceback(const PyErrorText& text) { spdlog::error("{}", text.traceback); }

// Executes `path` as module `name` (importlib, so __file__, __spec__ and bytecode caching behave as
// for any import) and registers it in sys.modules; the file's directory goes first on sys.path.
PyRef exec_file(const std::string& path, const std::string& name) {
    PyRef os_path = PyRef::steal(PyImport_ImportModule("os.path"));
    if (!os_path) return {};
    PyRef absolute = PyRef::steal(PyObject_CallMethod(os_path.get(), "abspath", "s", path.c_str()));
    if (!absolute) return {};
    PyRef directory = PyRef::steal(PyObject_CallMethod(os_path.get(), "dirname", "O", absolute.get()));
    if (!directory) return {};
    PyObject* sys_path = PySys_GetObject("path");  // borrowed
    if (sys_path != nullptr && PyList_Check(sys_path)) {
        int present = PySequence_Contains(sys_path, directory.get());
        if (present < 0) return {};
        if (present == 0 && PyList_Insert(sys_path, 0, directory.get()) != 0) return {};
    }

    PyRef util = PyRef::steal(PyImport_ImportModule("importlib.util"));
    PyRef machinery = PyRef::steal(PyImport_ImportModule("importlib.machinery"));
    if (!util || !machinery) return {};
    // An explicit loader, so a file without the .py suffix (app.wsgi) loads too.
    PyRef loader = PyRef::steal(
        PyObject_CallMethod(machinery.get(), "SourceFileLoader", "sO", name.c_str(), absolute.get()));
    if (!loader) return {};
    // spec_from_loader asks the loader for the file name, so __file__ and origin are set.
    PyRef spec =
        PyRef::steal(PyObject_CallMethod(util.get(), "spec_from_loader", "sO", name.c_str(), loader.get()));
    if (!spec) return {};
    PyRef module = PyRef::steal(PyObject_CallMethod(util.get(), "module_from_spec", "O", spec.get()));
    if (!module) return {};
    PyObject* modules = PyImport_GetModuleDict();  // borrowed
    if (PyDict_SetItemString(modules, name.c_str(), module.get()) != 0) return {};
    PyRef done = PyRef::steal(PyObject_CallMethod(loader.get(), "exec_module", "O", module.get()));
    if (!done) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (PyDict_DelItemString(modules, name.c_str()) != 0) PyErr_Clear();
        PyErr_Restore(type, value, tb);
        return {};
    }
    return module;
}

// Resolves "attr", "attr.sub" or "factory()" on `module`. Null with `error` set when missing.
PyRef find_callable(PyObject* module, std::string spec, const std::string& where, std::string& error) {
    bool factory = spec.size() > 2 && spec.compare(spec.size() - 2, 2, "()") == 0;
    if (factory) spec.resize(spec.size() - 2);
    PyRef object = PyRef::borrow(module);
    for (std::size_t start = 0; start <= spec.size();) {
        std::size_t dot = spec.find('.', start);
        std::string part = spec.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        PyRef next = PyRef::steal(PyObject_GetAttrString(object.get(), part.c_str()));
        if (!next) {
            if (!error_is(PyExc_AttributeError)) {
                PyErrorText text = take_error();
                log_traceback(text);
                error = where + ": getting \"" + spec + "\" failed: " + text.summary;
                return {};
            }
            PyErr_Clear();
            error = where + " has no callable \"" + spec + "\"";
            return {};
        }
        object = std::move(next);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (factory) {
        if (!PyCallable_Check(object.get())) {
            error = "\"" + spec + "\" in " + where + " is not callable";
            return {};
        }
        PyRef made = PyRef::steal(PyObject_CallNoArgs(object.get()));
        if (!made) {
            PyErrorText text = take_error();
            log_traceback(text);
            error = where + ": calling \"" + spec + "()\" failed: " + text.summary;
            return {};
        }
        object = std::move(made);
        spec += "()";
    }
    if (!PyCallable_Check(object.get())) {
        error = "\"" + spec + "\" in " + where + " is not callable (it is " + Py_TYPE(object.get())->tp_name +
                ")";
        return {};
    }
    return object;
}

}  // namespace

std::string wsgi_file_module_name(const std::string& path) {
    std::string name = "uwsgi_file_";
    for (char c : path) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        name += keep ? c : '_';
    }
    return name;
}

bool load_application(const Options& options, LoadedApp& app, std::string& error) {
    std::string callable = options.callable.empty() ? "application" : options.callable;
    PyRef module;
    std::string where;
    if (!options.wsgi_file.empty()) {
        where = "wsgi-file \"" + options.wsgi_file + "\"";
        module = exec_file(options.wsgi_file, wsgi_file_module_name(options.wsgi_file));
        if (!module) {
            PyErrorText text = take_error();
            log_traceback(text);
            error = "failed to load " + where + ": " + text.summary;
            return false;
        }
        app.name = "wsgi-file " + options.wsgi_file;
    } else if (!options.module.empty()) {
        std::string module_name = options.module;
        if (std::size_t colon = module_name.find(':'); colon != std::string::npos) {
            callable = module_name.substr(colon + 1);
            module_name.resize(colon);
        }
        where = "module \"" + module_name + "\"";
        if (module_name.empty() || callable.empty()) {
            error = "module \"" + options.module + "\" is not of the form pkg.mod or pkg.mod:callable";
            return false;
        }
        module = PyRef::steal(PyImport_ImportModule(module_name.c_str()));
        if (!module) {
            PyErrorText text = take_error();
            log_traceback(text);
            error = "failed to import " + where + ": " + text.summary;
            return false;
        }
        app.name = "module " + module_name;
    } else {
        error = "no application: give wsgi-file or module";
        return false;
    }
    app.callable = find_callable(module.get(), callable, where, error);
    if (!app.callable) return false;
    app.name += " (callable " + callable + ")";
    return true;
}

}  // namespace appserver::python
