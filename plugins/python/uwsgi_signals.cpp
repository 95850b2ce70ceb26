#include "uwsgi_signals.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <bitset>
#include <string>

#include "appserver/api_signals.h"
#include "py_error.h"
#include "py_ref.h"

namespace appserver::python {
namespace {

// The handlers of this process, by signal number (strong references). As in uWSGI they live in
// each process: registered at import in the master, the workers inherit them through fork; one a
// worker registers (lazy-apps, or at request time) is that worker's alone.
std::array<PyObject*, 256> handlers{};
std::bitset<256> reported_missing;  // "no handler" is logged once per number per process

PyObject* value_error(const std::string& text) {
    PyErr_SetString(PyExc_ValueError, text.c_str());
    return nullptr;
}

// uwsgi.register_signal(num, target, handler)
PyObject* py_register_signal(PyObject*, PyObject* args) {
    unsigned char num = 0;
    const char* target = nullptr;
    PyObject* handler = nullptr;
    if (!PyArg_ParseTuple(args, "BsO:register_signal", &num, &target, &handler)) return nullptr;
    if (!PyCallable_Check(handler)) return value_error("the signal handler must be callable");
    std::string error;
    if (!api::register_signal(num, target, error)) return value_error("unable to register signal: " + error);
    Py_INCREF(handler);
    Py_XDECREF(handlers[num]);
    handlers[num] = handler;
    reported_missing.reset(num);
    spdlog::info("[uwsgi-signal] signum {} registered (target: {})", static_cast<int>(num),
                 *target ? target : "default, any worker");
    Py_RETURN_NONE;
}

// uwsgi.signal(num[, remote]): to the master, which routes it. A full queue drops it (logged, as
// uWSGI); remote nodes are not supported.
PyObject* py_signal(PyObject*, PyObject* args) {
    unsigned char num = 0;
    const char* remote = nullptr;
    if (!PyArg_ParseTuple(args, "B|z:signal", &num, &remote)) return nullptr;
    if (remote != nullptr)
        return value_error("uwsgi.signal(num, remote): remote signals are not supported by appserver");
    std::string error;
    api::raise_signal(num, error);  // a drop is counted and warned about by the core
    Py_RETURN_NONE;
}

// True when this process has a handler for num; None otherwise (uWSGI returns None, not False).
PyObject* py_signal_registered(PyObject*, PyObject* args) {
    unsigned char num = 0;
    if (!PyArg_ParseTuple(args, "B:signal_registered", &num)) return nullptr;
    if (handlers[num] != nullptr) Py_RETURN_TRUE;
    Py_RETURN_NONE;
}

PyObject* added(bool ok, const char* what, const std::string& error) {
    if (!ok) return value_error(std::string("unable to add ") + what + ": " + error);
    Py_RETURN_NONE;
}

PyObject* py_add_timer(PyObject*, PyObject* args) {
    unsigned char num = 0;
    int secs = 0;
    if (!PyArg_ParseTuple(args, "Bi:add_timer", &num, &secs)) return nullptr;
    std::string error;
    return added(api::add_timer(num, secs * 1000L, 0, error), "timer", error);
}

PyObject* py_add_ms_timer(PyObject*, PyObject* args) {
    unsigned char num = 0;
    long msecs = 0;
    if (!PyArg_ParseTuple(args, "Bl:add_ms_timer", &num, &msecs)) return nullptr;
    std::string error;
    return added(api::add_timer(num, msecs, 0, error), "timer", error);
}

PyObject* py_add_rb_timer(PyObject*, PyObject* args) {
    unsigned char num = 0;
    int secs = 0;
    int iterations = 0;
    if (!PyArg_ParseTuple(args, "Bi|i:add_rb_timer", &num, &secs, &iterations)) return nullptr;
    std::string error;
    return added(api::add_timer(num, secs * 1000L, iterations, error), "rb_timer", error);
}

PyObject* py_add_cron(PyObject*, PyObject* args) {
    unsigned char num = 0;
    int minute = 0, hour = 0, day = 0, month = 0, week = 0;
    if (!PyArg_ParseTuple(args, "Biiiii:add_cron", &num, &minute, &hour, &day, &month, &week)) return nullptr;
    std::string error;
    return added(api::add_cron(num, minute, hour, day, month, week, error), "cron", error);
}

PyObject* py_add_file_monitor(PyObject*, PyObject* args) {
    unsigned char num = 0;
    const char* path = nullptr;
    if (!PyArg_ParseTuple(args, "Bs:add_file_monitor", &num, &path)) return nullptr;
    std::string error;
    return added(api::add_file_monitor(num, path, error), "file monitor", error);
}

PyMethodDef methods[] = {
    {"register_signal", py_register_signal, METH_VARARGS, "register_signal(num, target, handler)"},
    {"signal", py_signal, METH_VARARGS, "signal(num): raise a uWSGI signal (routed by the master)"},
    {"signal_registered", py_signal_registered, METH_VARARGS, "True when this process has a handler for num"},
    {"add_timer", py_add_timer, METH_VARARGS, "add_timer(num, seconds): the master raises num every seconds"},
    {"add_ms_timer", py_add_ms_timer, METH_VARARGS, "add_ms_timer(num, milliseconds)"},
    {"add_rb_timer", py_add_rb_timer, METH_VARARGS, "add_rb_timer(num, seconds[, iterations])"},
    {"add_cron", py_add_cron, METH_VARARGS, "add_cron(num, minute, hour, day, month, weekday); -1 any, -N every N"},
    {"add_file_monitor", py_add_file_monitor, METH_VARARGS, "add_file_monitor(num, path): num when path changes"},
    {nullptr, nullptr, 0, nullptr},
};

}  // namespace

bool add_signals_api(PyObject* module) { return PyModule_AddFunctions(module, methods) == 0; }

void run_signal_handler(int num) {
    if (num < 0 || num >= 256) return;
    auto index = static_cast<std::size_t>(num);
    PyObject* handler = handlers[index];
    if (handler == nullptr) {
        if (!reported_missing.test(index)) {
            reported_missing.set(index);
            spdlog::warn("[uwsgi-signal] no handler for signal {} in this process (pid {}): ignored "
                         "(logged once per signal)",
                         num, static_cast<long>(::getpid()));
        }
        return;
    }
    PyRef arg = PyRef::steal(PyLong_FromLong(num));
    PyRef result = PyRef::steal(arg ? PyObject_CallOneArg(handler, arg.get()) : nullptr);
    if (!result) {
        PyErrorText text = take_error();
        spdlog::error("[uwsgi-signal] the handler of signal {} raised: {}", num, text.summary);
        if (!text.traceback.empty()) spdlog::error("{}", text.traceback);
    }
}

}  // namespace appserver::python
