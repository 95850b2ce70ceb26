#pragma once
// The embedded CPython interpreter: its start (PyConfig, home/venv, sys.path), the fork hooks, the
// per-thread thread states of request threads, and the GIL helpers the rest of the plugin uses.
//
// GIL discipline: the master holds the GIL only while it runs Python (configure, load_app, around
// fork). A request thread gets one thread state for its whole life (attach_thread) and takes the
// GIL per request (RequestGil); blocking calls into the core run inside a WithoutGil scope, and
// the end of the response (a small body held back, the finish) after the request's GIL scope.

#include <Python.h>

#include <string>

#include "appserver/options.h"

namespace appserver::python {

class Interpreter {
public:
    // Initialises CPython for `options` and returns with the GIL released. False: `error` is one line.
    bool start(const Options& options, std::string& error);
    bool running() const { return running_; }
    // "Python 3.11.2 (/usr/bin/python3)", or with ", venv <dir>".
    const std::string& description() const { return description_; }

    // Around fork(): before_fork takes the GIL and runs Python's pre-fork hooks (the import lock);
    // both after_fork_* run the matching hooks and release the GIL again.
    void before_fork();
    void after_fork_parent();
    void after_fork_child();

    // Creates the calling thread's thread state once and keeps it for the thread's life (the GIL
    // is not held on return). Cheap when called again.
    static void attach_thread();
    // The calling thread's thread state, or null before attach_thread.
    static PyThreadState* thread_state();

    // Runs atexit handlers and finalises; from the thread that will not call Python again.
    void finalize();

private:
    bool running_ = false;
    std::string description_;
    PyGILState_STATE fork_gil_ = PyGILState_UNLOCKED;
};

// Holds the GIL for a scope on any thread (PyGILState); for the master and worker main thread.
class GilGuard {
public:
    GilGuard() : state_(PyGILState_Ensure()) {}
    ~GilGuard() { PyGILState_Release(state_); }
    GilGuard(const GilGuard&) = delete;
    GilGuard& operator=(const GilGuard&) = delete;

private:
    PyGILState_STATE state_;
};

// Holds the GIL for one request on a thread that went through Interpreter::attach_thread.
class RequestGil {
public:
    RequestGil() { PyEval_RestoreThread(Interpreter::thread_state()); }
    ~RequestGil() { PyEval_SaveThread(); }
    RequestGil(const RequestGil&) = delete;
    RequestGil& operator=(const RequestGil&) = delete;
};

// Releases the GIL for a scope: around every call that may block (body reads, socket writes).
class WithoutGil {
public:
    WithoutGil() : saved_(PyEval_SaveThread()) {}
    ~WithoutGil() { PyEval_RestoreThread(saved_); }
    WithoutGil(const WithoutGil&) = delete;
    WithoutGil& operator=(const WithoutGil&) = delete;

private:
    PyThreadState* saved_;
};

}  // namespace appserver::python
