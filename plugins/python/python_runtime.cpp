// PythonRuntime: the AppRuntime of the plugin boundary, over CPython and WSGI. It wires the pieces
// together: interpreter (start, GIL, fork), app_loader, environ, wsgi_input, start_response and
// response. See interpreter.h for who holds the GIL when.

#include <spdlog/spdlog.h>

#include "app_loader.h"
#include "appserver/app_runtime.h"
#include "environ.h"
#include "file_wrapper.h"
#include "interpreter.h"
#include "mount_select.h"
#include "py_error.h"
#include "python_runtime.h"
#include "response.h"
#include "start_response.h"
#include "uwsgi_module.h"
#include "uwsgi_spooler.h"
#include "uwsgi_signals.h"
#include "uwsgi_mules.h"
#include "wsgi_errors.h"
#include "wsgi_input.h"

namespace appserver {
namespace {

using python::GilGuard;
using python::Interpreter;
using python::PyRef;

class PythonRuntime final : public AppRuntime {
public:
    ~PythonRuntime() override {
        // Without shutdown() the interpreter outlives us (process exit): leak rather than touch
        // Python without the GIL.
        if (interpreter_.running()) {
            app_.callable.release();
            for (python::LoadedApp& m : mounted_) m.callable.release();
        }
    }

    bool configure(const Options& options, std::string& error) override {
        options_ = options;
        if (!interpreter_.start(options_, error)) return false;
        GilGuard gil;
        if (!python::init_errors_type() || !python::init_input_type() ||
            !python::init_start_response_type() || !python::init_file_wrapper_type() ||
            !environ_.init(options_)) {
            error = "cannot set up the WSGI types: " + python::take_error().summary;
            return false;
        }
        return true;
    }

    bool load_app(std::string& error) override {
        if (!interpreter_.running()) {
            error = "the Python interpreter is not running";
            return false;
        }
        GilGuard gil;
        python::LoadedApp app;
        if ((!options_.wsgi_file.empty() || !options_.module.empty()) &&
            !python::load_application(options_, app, error))
            return false;
        // mount = /prefix=APP: one more application each, in the same interpreter, in load order.
        std::vector<python::LoadedApp> mounted;
        std::vector<std::string> mountpoints;
        for (const Options::MountedApp& m : options_.mounted_apps) {
            Options one = options_;
            one.wsgi_file = m.wsgi_file;
            one.module = m.module;
            python::LoadedApp loaded;
            if (!python::load_application(one, loaded, error)) {
                error = "mount " + m.mountpoint + ": " + error;
                return false;
            }
            loaded.name = m.mountpoint + " -> " + loaded.name;
            mounted.push_back(std::move(loaded));
            mountpoints.push_back(m.mountpoint);
        }
        app_ = std::move(app);
        mounted_ = std::move(mounted);
        mountpoints_ = std::move(mountpoints);
        // Under lazy-apps uWSGI runs the post-fork hooks once the app is loaded in the worker, so
        // an app that registers @postfork at import still gets them called.
        if (in_worker_ && options_.lazy_apps) python::call_post_fork_hook();
        return true;
    }

    std::string describe() const override { return interpreter_.description(); }
    std::string app_name() const override {
        std::string name = app_.name;
        for (const python::LoadedApp& m : mounted_) name += (name.empty() ? "" : "; ") + m.name;
        return name;
    }

    std::vector<std::string> source_files() const override {
        std::vector<std::string> files;
        if (!options_.wsgi_file.empty()) files.push_back(options_.wsgi_file);
        if (!interpreter_.running()) return files;
        GilGuard gil;
        // sys.modules values' __file__: every module loaded, the app's own and its libraries'.
        PyObject* modules = PySys_GetObject("modules");  // borrowed
        if (!modules || !PyDict_Check(modules)) return files;
        PyRef values = PyRef::steal(PyDict_Values(modules));
        Py_ssize_t n = values ? PyList_GET_SIZE(values.get()) : 0;
        for (Py_ssize_t i = 0; i < n; ++i) {
            PyRef path = PyRef::steal(PyObject_GetAttrString(PyList_GET_ITEM(values.get(), i), "__file__"));
            if (!path || !PyUnicode_Check(path.get())) {
                PyErr_Clear();
                continue;
            }
            if (const char* utf8 = PyUnicode_AsUTF8(path.get()))
                files.emplace_back(utf8);
            else
                PyErr_Clear();
        }
        return files;
    }

    void before_fork() override { interpreter_.before_fork(); }
    void after_fork_parent() override { interpreter_.after_fork_parent(); }
    void set_worker(const WorkerFacts& facts) override { python::set_uwsgi_worker(facts); }
    void after_fork_child() override {
        interpreter_.after_fork_child();
        in_worker_ = true;
        if (options_.lazy_apps || !interpreter_.running()) return;
        GilGuard gil;
        python::call_post_fork_hook();
    }

    int run_mule(int id, const std::string& program) override {
        if (!interpreter_.running()) return 1;
        return python::run_python_mule(id, program);
    }

    void thread_start() override { Interpreter::attach_thread(); }

    bool handle(Request& request, ResponseWriter& response) override {
        if (!interpreter_.running() || (!app_.callable && mounted_.empty())) {
            spdlog::error("Python: no application loaded; answering 500");
            response.note_exception();
            if (!response.started()) send_server_error(response, 500);
            return false;
        }
        if (Interpreter::thread_state() == nullptr) Interpreter::attach_thread();
        python::RequestLabel label{request.var("REQUEST_METHOD"), request.var("REQUEST_URI")};
        python::ResponseTail tail = answer_with_gil(request, response, label);
        python::finish_response(response, tail, label);
        return true;
    }

    // The part of handle() that touches Python objects: every one of them is released before the
    // GIL is (the scope of `gil` ends after theirs).
    python::ResponseTail answer_with_gil(Request& request, ResponseWriter& response,
                                         const python::RequestLabel& label) {
        python::RequestGil gil;
        PyRef input = PyRef::steal(python::new_input(request.body));
        PyRef start_response = PyRef::steal(input ? python::new_start_response(&response) : nullptr);
        // Several applications (mount): the one for this request, and its SCRIPT_NAME/PATH_INFO.
        // No match: the root application, else the first mounted (uWSGI's default app).
        PyObject* callable = app_.callable.get();
        python::MountChoice mount;
        if (!mounted_.empty()) {
            mount = python::choose_mount(mountpoints_, request.var("SCRIPT_NAME"), request.var("PATH_INFO"),
                                         options_.manage_script_name);
            if (mount.app >= 0)
                callable = mounted_[static_cast<std::size_t>(mount.app)].callable.get();
            else if (callable == nullptr)
                callable = mounted_.front().callable.get();
        }
        PyRef environ = PyRef::steal(
            start_response ? environ_.build(request, input.get(), mount.script_name, mount.path_info) : nullptr);
        if (!environ) {
            python::PyErrorText text = python::take_error();
            spdlog::error("{} {}: cannot build the WSGI environ: {}", label.method, label.uri, text.summary);
            python::WithoutGil unlocked;
            if (!response.started()) send_server_error(response, 500);
            return {};
        }
        python::ResponseTail tail = python::run_application(callable, environ.get(), start_response.get(),
                                                            input.get(), python::response_state(start_response.get()),
                                                            label);
        // The application may keep these objects; they must not reach this request's I/O later.
        python::detach_input(input.get());
        python::detach_start_response(start_response.get());
        python::note_uwsgi_request_done();
        return tail;
    }

    int run_spooler_task(const SpoolTask& task) override {
        if (!interpreter_.running()) return kSpoolIgnore;
        GilGuard gil;
        return python::run_spooler_function(task);
    }

    void handle_signal(int num) override {
        if (!interpreter_.running()) return;
        GilGuard gil;
        python::run_signal_handler(num);
    }

    void shutdown() override {
        if (!interpreter_.running()) return;
        {
            GilGuard gil;
            // uWSGI calls uwsgi.atexit in a worker that ends gracefully, before Python's own atexit.
            if (in_worker_) python::call_uwsgi_atexit();
            app_.callable.reset();
            mounted_.clear();
            environ_.clear();
        }
        interpreter_.finalize();
    }

private:
    Options options_;
    Interpreter interpreter_;
    python::Environ environ_;
    python::LoadedApp app_;  // the root application (wsgi-file / module / mount = /=...); may be empty
    std::vector<python::LoadedApp> mounted_;  // mount = /prefix=APP
    std::vector<std::string> mountpoints_;    // theirs, same order
    bool in_worker_ = false;
};

}  // namespace

std::unique_ptr<AppRuntime> make_python_runtime() { return std::make_unique<PythonRuntime>(); }

}  // namespace appserver
