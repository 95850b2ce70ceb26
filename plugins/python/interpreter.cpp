#include "interpreter.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "py_error.h"
#include "py_ref.h"
#include "uwsgi_module.h"
#include "venv_check.h"

namespace appserver::python {
namespace {

thread_local PyThreadState* current_thread_state = nullptr;

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string current_directory() {
    char buffer[4096];
    if (::getcwd(buffer, sizeof buffer) == nullptr) return ".";
    return buffer;
}

// Sets a PyConfig string field from a filesystem path; false (with `error`) on failure.
bool set_path(PyConfig& config, wchar_t** field, const std::string& value, std::string& error) {
    PyStatus status = PyConfig_SetBytesString(&config, field, value.c_str());
    if (PyStatus_Exception(status)) {
        error = std::string("cannot use \"") + value + "\": " + (status.err_msg ? status.err_msg : "?");
        return false;
    }
    return true;
}

// Where the interpreter comes from: a venv (a directory with pyvenv.cfg) is entered through its
// bin/python3, so getpath reads pyvenv.cfg and site adds the venv's site-packages exactly as when
// the venv's python runs; any other home is a plain installation prefix (PYTHONHOME).
bool apply_home(PyConfig& config, const std::string& home_option, std::string& error) {
    if (home_option.empty()) return true;
    std::string home = home_option;
    while (home.size() > 1 && home.back() == '/') home.pop_back();
    if (!is_directory(home)) {
        error = "home \"" + home + "\" is not a directory";
        return false;
    }
    if (is_file(home + "/pyvenv.cfg")) {
        error = check_venv_version(home, APPSERVER_PLUGIN_NAME, PY_MAJOR_VERSION, PY_MINOR_VERSION);
        if (!error.empty()) return false;
        std::string python = home + "/bin/python3";
        if (::access(python.c_str(), X_OK) != 0) {
            error = "venv \"" + home + "\" has no bin/python3 (" + std::strerror(errno) + ")";
            return false;
        }
        return set_path(config, &config.program_name, python, error);
    }
    return set_path(config, &config.home, home, error);
}

// The plugin's own Python files (uwsgidecorators.py): next to an installed plugin
// (<prefix>/lib/appserver/plugins/X_plugin.so -> <prefix>/share/appserver/python) or binary
// (<prefix>/bin/appserver), else the source tree the plugin was built from. Empty when none has them.
std::string plugin_lib_dir() {
    std::vector<std::string> candidates;
    static const char marker = 0;  // an address inside the plugin, for dladdr
    Dl_info self{};
    if (::dladdr(&marker, &self) != 0 && self.dli_fname != nullptr) {
        std::string path = self.dli_fname;
        candidates.push_back(path.substr(0, path.rfind('/')) + "/../../../share/appserver/python");
    }
    char exe[4096];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        std::string path(exe, static_cast<std::size_t>(n));
        std::string bin = path.substr(0, path.rfind('/'));
        candidates.push_back(bin + "/../share/appserver/python");
    }
    candidates.emplace_back(APPSERVER_PYTHON_LIB_SOURCE);
    for (const std::string& dir : candidates) {
        if (!is_file(dir + "/uwsgidecorators.py")) continue;
        char resolved[PATH_MAX];  // without the ../../.. for sys.path and tracebacks
        return ::realpath(dir.c_str(), resolved) ? std::string(resolved) : dir;
    }
    return {};
}

// sys.path = pythonpath entries (in order) + the working directory + the plugin's lib directory +
// what site computed. The application's own uwsgidecorators.py (in its directory) wins over ours.
bool extend_sys_path(const Options& options, std::string& error) {
    PyObject* path = PySys_GetObject("path");  // borrowed
    if (path == nullptr || !PyList_Check(path)) {
        error = "sys.path is not a list";
        return false;
    }
    Py_ssize_t index = 0;
    auto insert = [&](const std::string& entry) {
        PyRef item = PyRef::steal(PyUnicode_DecodeFSDefault(entry.c_str()));
        if (!item || PyList_Insert(path, index, item.get()) != 0) return false;
        ++index;
        return true;
    };
    for (const std::string& entry : options.pythonpath) {
        if (!insert(entry)) {
            error = "cannot add \"" + entry + "\" to sys.path: " + take_error().summary;
            return false;
        }
    }
    std::string cwd = current_directory();
    if (!insert(cwd)) {
        error = "cannot add \"" + cwd + "\" to sys.path: " + take_error().summary;
        return false;
    }
    std::string lib = plugin_lib_dir();
    if (lib.empty()) {
        spdlog::warn("Python: uwsgidecorators.py not found (looked next to the binary and in {})",
                     APPSERVER_PYTHON_LIB_SOURCE);
    } else if (!insert(lib)) {
        error = "cannot add \"" + lib + "\" to sys.path: " + take_error().summary;
        return false;
    }
    return true;
}

std::string sys_string(const char* name) {
    PyObject* value = PySys_GetObject(name);  // borrowed
    if (value == nullptr || !PyUnicode_Check(value)) return {};
    const char* text = PyUnicode_AsUTF8(value);
    if (text == nullptr) {
        PyErr_Clear();
        return {};
    }
    return text;
}

// Embedded, getpath finds no executable (argv[0] is "appserver"), so sys.executable is empty; point
// it at the installation's interpreter so subprocess/multiprocessing users get a real Python.
void fill_in_executable() {
    if (!sys_string("executable").empty()) return;
    std::string prefix = sys_string("prefix");
    std::string exact =
        prefix + "/bin/python" + std::to_string(PY_MAJOR_VERSION) + "." + std::to_string(PY_MINOR_VERSION);
    for (const std::string& candidate : {exact, prefix + "/bin/python3"}) {
        if (::access(candidate.c_str(), X_OK) != 0) continue;
        PyRef path = PyRef::steal(PyUnicode_DecodeFSDefault(candidate.c_str()));
        if (!path || PySys_SetObject("executable", path.get()) != 0 ||
            PySys_SetObject("_base_executable", path.get()) != 0)
            PyErr_Clear();
        return;
    }
}

std::string describe_interpreter() {
    std::string version = Py_GetVersion();  // "3.11.2 (main, ...) [GCC ...]"
    version = version.substr(0, version.find(' '));
    std::string executable = sys_string("executable");
    std::string prefix = sys_string("prefix");
    std::string base_prefix = sys_string("base_prefix");
    std::string text = "Python " + version + " (" + (executable.empty() ? prefix : executable);
    if (!prefix.empty() && prefix != base_prefix) text += ", venv " + prefix;
    return text + ")";
}

}  // namespace

bool Interpreter::start(const Options& options, std::string& error) {
    if (running_) {
        error = "the Python interpreter is already running";
        return false;
    }
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    // The server owns signals (SIGINT, SIGPIPE...): Python installs no handlers.
    config.install_signal_handlers = 0;
    // Our command line is not Python's; sys.argv is ["appserver"].
    config.parse_argv = 0;
    // PYTHON* environment variables are honoured as by python3 itself (PYTHONPATH,
    // PYTHONDONTWRITEBYTECODE, PYTHONWARNINGS...), so `env = PYTHONPATH=...` works as in uWSGI.
    config.use_environment = 1;
    // print() from the application reaches the log at once instead of at exit.
    config.buffered_stdio = 0;

    bool ok = true;
    wchar_t argv0[] = L"appserver";
    wchar_t* argv[] = {argv0};
    PyStatus status = PyConfig_SetArgv(&config, 1, argv);
    if (PyStatus_Exception(status)) {
        error = std::string("cannot set sys.argv: ") + (status.err_msg ? status.err_msg : "?");
        ok = false;
    }
    if (ok) ok = apply_home(config, options.home, error);
    if (ok && !register_uwsgi_module(options)) {
        error = "cannot register the uwsgi module";
        ok = false;
    }
    if (ok) {
        status = Py_InitializeFromConfig(&config);
        if (PyStatus_Exception(status)) {
            error = std::string("cannot start Python: ") +
                    (status.err_msg ? status.err_msg : "exit status " + std::to_string(status.exitcode));
            ok = false;
        }
    }
    PyConfig_Clear(&config);
    if (!ok) return false;

    running_ = true;
    if (!extend_sys_path(options, error)) {
        PyEval_SaveThread();
        return false;
    }
    fill_in_executable();
    description_ = describe_interpreter();
    PyEval_SaveThread();  // the main thread keeps its thread state; PyGILState finds it again
    return true;
}

void Interpreter::before_fork() {
    fork_gil_ = PyGILState_Ensure();
    PyOS_BeforeFork();
}

void Interpreter::after_fork_parent() {
    PyOS_AfterFork_Parent();
    PyGILState_Release(fork_gil_);
}

void Interpreter::after_fork_child() {
    PyOS_AfterFork_Child();
    PyGILState_Release(fork_gil_);
}

void Interpreter::attach_thread() {
    if (current_thread_state != nullptr) return;
    // PyGILState_Ensure creates the thread state (or finds the main thread's); not releasing it
    // keeps the state alive, so a request does not create and destroy one (mod_wsgi does the same).
    PyGILState_Ensure();
    current_thread_state = PyEval_SaveThread();
}

PyThreadState* Interpreter::thread_state() { return current_thread_state; }

void Interpreter::finalize() {
    if (!running_) return;
    PyGILState_Ensure();
    if (Py_FinalizeEx() != 0) spdlog::warn("Python: flushing buffered data at exit failed");
    running_ = false;
    current_thread_state = nullptr;
}

}  // namespace appserver::python
