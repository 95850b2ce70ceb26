// "s#" formats take Py_ssize_t lengths (required by Python >= 3.10).
#define PY_SSIZE_T_CLEAN

#include "uwsgi_mules.h"

#include <spdlog/spdlog.h>

#include <limits>
#include <string_view>

#include "appserver/api_mules.h"
#include "interpreter.h"
#include "py_error.h"
#include "py_ref.h"

namespace appserver::python {
namespace {

PyObject* py_mule_id(PyObject*, PyObject*) { return PyLong_FromLong(api::mule_id()); }

PyObject* py_mule_msg_recv_size(PyObject*, PyObject*) { return PyLong_FromSize_t(api::mule_msg_recv_size()); }

// A farm name given as str or bytes (uWSGI under Python 3 only takes bytes: a str raised
// "invalid mule"; both work here).
bool farm_name(PyObject* object, std::string& out) {
    if (PyUnicode_Check(object)) {
        Py_ssize_t size = 0;
        const char* text = PyUnicode_AsUTF8AndSize(object, &size);
        if (text == nullptr) return false;
        out.assign(text, static_cast<std::size_t>(size));
        return true;
    }
    if (PyBytes_Check(object)) {
        out.assign(PyBytes_AS_STRING(object), static_cast<std::size_t>(PyBytes_GET_SIZE(object)));
        return true;
    }
    return false;
}

// uwsgi.mule_msg(message[, mule]): True when queued, False when the queue is full (logged).
// mule: omitted/None/0 -> any mule, N -> mule N, a name -> any mule of that farm.
PyObject* py_mule_msg(PyObject*, PyObject* args) {
    const char* data = nullptr;
    Py_ssize_t size = 0;
    PyObject* target = nullptr;
    if (!PyArg_ParseTuple(args, "s#|O:mule_msg", &data, &size, &target)) return nullptr;
    if (api::mule_count() < 1) return PyErr_Format(PyExc_ValueError, "no mule configured");
    std::string_view message(data, static_cast<std::size_t>(size));
    std::string farm;
    int id = 0;
    bool to_farm = false;
    if (target == nullptr || target == Py_None) {
        id = 0;
    } else if (PyLong_Check(target) && !PyBool_Check(target)) {
        long value = PyLong_AsLong(target);
        if (value == -1 && PyErr_Occurred()) return nullptr;
        if (value < 0 || value > api::mule_count())
            return PyErr_Format(PyExc_ValueError, "invalid mule number");
        id = static_cast<int>(value);
    } else if (farm_name(target, farm)) {
        if (!api::farm_exists(farm)) return PyErr_Format(PyExc_ValueError, "unknown farm");
        to_farm = true;
    } else {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "invalid mule");
        return nullptr;
    }
    api::SendResult result;
    {
        WithoutGil unlocked;  // never blocks, but it may log
        result = to_farm ? api::send_to_farm(farm, message) : api::send_to_mule(id, message);
    }
    return PyBool_FromLong(result == api::SendResult::sent);
}

// uwsgi.farm_msg(farm, message): None, as uWSGI (an unknown farm is ignored, a full queue logged).
PyObject* py_farm_msg(PyObject*, PyObject* args) {
    const char* farm = nullptr;
    const char* data = nullptr;
    Py_ssize_t size = 0;
    if (!PyArg_ParseTuple(args, "ss#:farm_msg", &farm, &data, &size)) return nullptr;
    std::string name(farm);
    std::string_view message(data, static_cast<std::size_t>(size));
    if (api::farm_exists(name)) {
        WithoutGil unlocked;
        api::send_to_farm(name, message);
    }
    Py_RETURN_NONE;
}

PyObject* received_to_python(const api::Received& got) {
    if (got.kind != api::Received::Kind::message) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize(got.data.data(), static_cast<Py_ssize_t>(got.data.size()));
}

// uwsgi.mule_get_msg(signals=True, farms=True, buffer_size=65536, timeout=-1): the next message
// (bytes); None on a timeout (seconds) or after running a uWSGI signal that arrived first.
PyObject* py_mule_get_msg(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"signals", "farms", "buffer_size", "timeout", nullptr};
    PyObject* signals = nullptr;
    PyObject* farms = nullptr;
    int buffer_size = 65536;
    int timeout = -1;
    if (api::mule_id() == 0)
        return PyErr_Format(PyExc_ValueError, "you can receive mule messages only in a mule !!!");
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOii:mule_get_msg", const_cast<char**>(keywords),
                                     &signals, &farms, &buffer_size, &timeout))
        return nullptr;
    // As uWSGI: only None or False turn them off.
    bool with_signals = !(signals == Py_None || signals == Py_False);
    bool with_farms = !(farms == Py_None || farms == Py_False);
    if (buffer_size <= 0) return PyErr_Format(PyExc_ValueError, "buffer_size must be positive");
    api::Received got;
    {
        WithoutGil unlocked;
        // Past ~24 days (INT_MAX ms) a timeout is as good as none.
        int timeout_ms =
            timeout < 0 || timeout > std::numeric_limits<int>::max() / 1000 ? -1 : timeout * 1000;
        got = api::mule_receive(with_signals, with_farms, static_cast<std::size_t>(buffer_size), timeout_ms);
    }
    return received_to_python(got);
}

// uwsgi.farm_get_msg(): the next message of this mule's farms (bytes), None on an error.
PyObject* py_farm_get_msg(PyObject*, PyObject*) {
    if (api::mule_id() == 0)
        return PyErr_Format(PyExc_ValueError, "you can receive farm messages only in a mule !!!");
    api::Received got;
    {
        WithoutGil unlocked;
        got = api::farm_receive(65536, -1);
    }
    return received_to_python(got);
}

// uwsgi.in_farm([name]): True when this mule is in that farm (any farm without a name), else None.
PyObject* py_in_farm(PyObject*, PyObject* args) {
    const char* name = nullptr;
    if (!PyArg_ParseTuple(args, "|s:in_farm", &name)) return nullptr;
    if (api::in_farm(name ? std::string_view(name) : std::string_view())) Py_RETURN_TRUE;
    Py_RETURN_NONE;
}

// uwsgi.mule_file([id]): what mule id (this one by default) runs; None for a message loop.
PyObject* py_mule_file(PyObject*, PyObject* args) {
    int id = api::mule_id();
    if (!PyArg_ParseTuple(args, "|i:mule_file", &id)) return nullptr;
    if (id < 0 || id > api::mule_count())
        return PyErr_Format(PyExc_ValueError, "The id you provided doesn't correspond to any mule");
    std::optional<std::string> file = api::mule_file(id);
    if (!file) Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefaultAndSize(file->data(), static_cast<Py_ssize_t>(file->size()));
}

// uwsgi.install_mule_msg_hook(func): one more function the message loop calls with each message
// (uWSGI 2.0.22+; uwsgidecorators' @mulefunc uses it).
PyObject* py_install_mule_msg_hook(PyObject* self, PyObject* args) {
    PyObject* func = nullptr;
    if (!PyArg_ParseTuple(args, "O:install_mule_msg_hook", &func)) return nullptr;
    PyRef hooks = PyRef::steal(PyObject_GetAttrString(self, "mule_msg_extra_hooks"));
    if (!hooks) {
        PyErr_Clear();
        hooks = PyRef::steal(PyList_New(0));
        if (!hooks || PyObject_SetAttrString(self, "mule_msg_extra_hooks", hooks.get()) != 0) return nullptr;
    }
    if (!PyList_Check(hooks.get()))
        return PyErr_Format(PyExc_TypeError, "uwsgi.mule_msg_extra_hooks is not a list");
    if (PyList_Append(hooks.get(), func) != 0) return nullptr;
    Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"mule_id", py_mule_id, METH_NOARGS, "this mule's id; 0 outside a mule"},
    {"mule_msg_recv_size", py_mule_msg_recv_size, METH_NOARGS, "mule-msg-recv-size"},
    {"mule_msg", py_mule_msg, METH_VARARGS, "queue a message for a mule, any mule, or a farm"},
    {"farm_msg", py_farm_msg, METH_VARARGS, "queue a message for any mule of a farm"},
    {"mule_get_msg", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_mule_get_msg)),
     METH_VARARGS | METH_KEYWORDS, "in a mule: wait for the next message"},
    {"farm_get_msg", py_farm_get_msg, METH_NOARGS, "in a mule: wait for the next message of its farms"},
    {"in_farm", py_in_farm, METH_VARARGS, "True when this mule is in the farm"},
    {"mule_file", py_mule_file, METH_VARARGS, "what a mule runs"},
    {"install_mule_msg_hook", py_install_mule_msg_hook, METH_VARARGS, "add a message hook for the mule loop"},
    {nullptr, nullptr, 0, nullptr},
};

void log_python_error(int id, const char* what) {
    PyErrorText text = take_error();
    spdlog::error("mule {}: {}: {}", id, what, text.summary);
    if (!text.traceback.empty()) spdlog::error("{}", text.traceback);
}

// The hooks of the message loop: uwsgi.mule_msg_hook, then each of install_mule_msg_hook's.
void dispatch_message(int id, const std::string& message) {
    PyRef module = PyRef::steal(PyImport_ImportModule("uwsgi"));
    if (!module) {
        log_python_error(id, "import uwsgi");
        return;
    }
    PyRef hook = PyRef::steal(PyObject_GetAttrString(module.get(), "mule_msg_hook"));
    if (!hook) PyErr_Clear();
    PyRef extra = PyRef::steal(PyObject_GetAttrString(module.get(), "mule_msg_extra_hooks"));
    if (!extra) PyErr_Clear();
    bool has_hook = hook && PyCallable_Check(hook.get());
    bool has_extra = extra && PyList_Check(extra.get()) && PyList_GET_SIZE(extra.get()) > 0;
    if (!has_hook && !has_extra) {
        spdlog::info("*** mule {} received a {} bytes message ***", id, message.size());
        return;
    }
    PyRef bytes =
        PyRef::steal(PyBytes_FromStringAndSize(message.data(), static_cast<Py_ssize_t>(message.size())));
    if (!bytes) {
        log_python_error(id, "message");
        return;
    }
    auto call = [&](PyObject* func) {
        PyRef result = PyRef::steal(PyObject_CallOneArg(func, bytes.get()));
        if (!result) log_python_error(id, "mule_msg_hook raised");
    };
    if (has_hook) call(hook.get());
    if (has_extra) {
        PyRef snapshot = PyRef::steal(PyList_GetSlice(extra.get(), 0, PyList_GET_SIZE(extra.get())));
        for (Py_ssize_t i = 0; snapshot && i < PyList_GET_SIZE(snapshot.get()); ++i)
            call(PyList_GET_ITEM(snapshot.get(), i));
    }
}

int message_loop(int id) {
    std::size_t size = api::mule_msg_recv_size();
    for (;;) {
        api::Received got;
        {
            WithoutGil unlocked;
            got = api::mule_receive(true, true, size, -1);
        }
        if (got.kind == api::Received::Kind::error) return 1;  // logged; the master starts it again
        if (got.kind == api::Received::Kind::message) dispatch_message(id, got.data);
    }
}

// The exit code a SystemExit asks for (sys.exit(3), sys.exit("why") -> 1, sys.exit() -> 0), or -1
// when the pending exception is another one.
int system_exit_code() {
    if (!PyErr_ExceptionMatches(PyExc_SystemExit)) return -1;
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    int code = 0;
    PyRef arg = value ? PyRef::steal(PyObject_GetAttrString(value, "code")) : PyRef();
    if (!arg) {
        PyErr_Clear();
    } else if (PyLong_Check(arg.get())) {
        code = static_cast<int>(PyLong_AsLong(arg.get()));
    } else if (arg.get() != Py_None) {
        code = 1;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return code;
}

// A script (runpy.run_path as __main__) or module:callable; 0 when it returned, 1 when it raised.
int run_program(int id, const std::string& program) {
    PyRef result;
    if (program.ends_with(".py")) {
        PyRef runpy = PyRef::steal(PyImport_ImportModule("runpy"));
        PyRef run_path = runpy ? PyRef::steal(PyObject_GetAttrString(runpy.get(), "run_path")) : PyRef();
        PyRef path = PyRef::steal(PyUnicode_DecodeFSDefault(program.c_str()));
        if (run_path && path) {
            PyRef args = PyRef::steal(PyTuple_Pack(1, path.get()));
            PyRef kwargs = PyRef::steal(Py_BuildValue("{s:s}", "run_name", "__main__"));
            if (args && kwargs)
                result = PyRef::steal(PyObject_Call(run_path.get(), args.get(), kwargs.get()));
        }
    } else {
        auto colon = program.find(':');
        PyRef module = PyRef::steal(PyImport_ImportModule(program.substr(0, colon).c_str()));
        PyRef callable =
            module ? PyRef::steal(PyObject_GetAttrString(module.get(), program.substr(colon + 1).c_str()))
                   : PyRef();
        if (callable) result = PyRef::steal(PyObject_CallNoArgs(callable.get()));
    }
    if (result) {
        spdlog::info("mule {}: {} returned", id, program);
        return 0;
    }
    if (int code = system_exit_code(); code >= 0) {
        spdlog::info("mule {}: {} called sys.exit({})", id, program, code);
        return code;
    }
    log_python_error(id, (program + " raised").c_str());
    return 1;
}

void flush_std_streams() {
    for (const char* name : {"stdout", "stderr"}) {
        PyObject* stream = PySys_GetObject(name);  // borrowed
        if (stream == nullptr || stream == Py_None) continue;
        PyRef done = PyRef::steal(PyObject_CallMethod(stream, "flush", nullptr));
        if (!done) PyErr_Clear();
    }
}

}  // namespace

bool add_mules_api(PyObject* module) { return PyModule_AddFunctions(module, methods) == 0; }

int run_python_mule(int id, const std::string& program) {
    GilGuard gil;
    int code = program.empty() ? message_loop(id) : run_program(id, program);
    flush_std_streams();
    return code;
}

}  // namespace appserver::python
