#pragma once
// The plugin boundary: how the core hands a request to an application runtime (Python/WSGI today)
// and how the runtime answers. The core never includes a language runtime's headers; a runtime never
// touches sockets, epoll or HTTP framing.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "appserver/options.h"

namespace appserver {

// The request body as the application reads it: already de-chunked, never past the end of this
// request. Blocking; a runtime releases its interpreter lock around calls.
class BodyReader {
public:
    virtual ~BodyReader() = default;
    // Copies up to `size` bytes into `buf`. Returns the count, 0 at the end of the body,
    // -1 when the client went away, timed out or sent a malformed body.
    virtual long read(char* buf, std::size_t size) = 0;
};

// CGI variables as name/value views, in the order the front-end or the HTTP parser gave them.
using CgiVarList = std::vector<std::pair<std::string_view, std::string_view>>;

// The value of the last variable called `name`; nullopt when there is none (an empty value is a
// value). The last, as uWSGI takes it and as the application's environ gets it: a front-end that
// sends a name twice (nginx's uwsgi_params plus the site's own uwsgi_param for the same name)
// means the later one, and the server must not act on another value than the application sees.
inline std::optional<std::string_view> find_var(const CgiVarList& vars, std::string_view name) {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
        if (it->first == name) return it->second;
    return std::nullopt;
}

// One request, in CGI form: the same variables nginx sends over the uwsgi protocol
// (REQUEST_METHOD, REQUEST_URI, PATH_INFO (decoded), QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH,
// SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL, REMOTE_ADDR, REMOTE_PORT, HTTP_* ...).
// Views stay valid until the request is answered.
struct Request {
    CgiVarList vars;
    std::string_view url_scheme = "http";  // "http" or "https"
    BodyReader* body = nullptr;            // never null while the runtime handles the request

    // The value of `name`; empty when the request has no such variable.
    std::string_view var(std::string_view name) const {
        return find_var(vars, name).value_or(std::string_view());
    }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The response as the runtime produces it; the core frames it (Content-Length, chunked, close),
// adds Date/Server/Connection, and drops the body of a HEAD request.
class ResponseWriter {
public:
    virtual ~ResponseWriter() = default;
    // Sets the status line and headers; they go out with the first write(), send_file() or
    // finish(), so start() never blocks (a runtime may call it holding its interpreter lock).
    // `body_length` is the size of the whole body when the runtime knows it (one bytes object), so
    // the core can add Content-Length. False: client gone (or the harakiri watchdog answered).
    virtual bool start(std::string_view status, const HeaderList& headers,
                       std::optional<std::uint64_t> body_length) = 0;
    // Sends body bytes (start() must have been called). False: the client is gone.
    virtual bool write(std::string_view data) = 0;
    // Sends `count` bytes of a regular file from `offset` with sendfile(2); nullopt: to its end.
    // Returns at once: the core keeps a duplicate of `fd` and its event loop sends the file, so
    // the caller may close `fd` as soon as this returns. False: the client is gone.
    virtual bool send_file(int fd, std::uint64_t offset, std::optional<std::uint64_t> count) = 0;
    // Ends the body (the last chunk of a chunked body). False: the client is gone.
    virtual bool finish() = 0;
    // write(last) (when not empty), then finish(): for a caller that has the response's final
    // bytes and nothing left to run before the response ends, so the core may send them as the
    // last ones (on a connection that closes after this response, with the close itself).
    virtual bool finish_with(std::string_view last) { return (last.empty() || write(last)) && finish(); }
    virtual bool started() const = 0;
    // The application raised (or there was no application to call): counted as an exception in
    // the worker's statistics, whatever was answered.
    virtual void note_exception() {}
};

// The server's own answer when there is no application response to send (no app loaded, the
// application failed before start_response...): status "NNN Reason", text/plain; charset=utf-8,
// body "NNN Reason\n", Content-Length. One shape for every error the server writes itself
// (defined in the core: src/proto/server_error.cpp). False: the client is gone.
bool send_server_error(ResponseWriter& response, int status);

// True in a process the application forked from a worker (os.fork) that is now running the
// server's code: it returned from the application instead of ending with os._exit(). It must not
// go on as a worker: its writes would land on the parent's client connection, and its epoll set
// is the parent's own (a stop there takes the listening sockets away from the parent). Defined
// in the core (src/os/fork_count.cpp): a pthread_atfork handler the worker installs marks it.
bool forked_by_application();
// Logs why on fd 2, then _exit(status), running nothing of the worker's (no flush of its buffers,
// no epoll change, no close the parent would notice).
[[noreturn]] void leave_forked_child(int status);

// What the core tells a runtime about the worker process it runs in (the `uwsgi` module's
// worker_id()); given in the worker before after_fork_child.
struct WorkerFacts {
    int id = 0;  // 1..processes; the master is 0
    // Requests all workers of the instance have finished since it started (null: unknown).
    std::uint64_t (*total_requests)() = nullptr;
};

// One spooler task as the spooler process read it (uWSGI's spool file): its vars in file order
// and its body (empty when none).
struct SpoolTask {
    std::string name;  // the task file's name (uWSGI gives the app `spooler_task_name`: the base name)
    std::string path;  // absolute
    std::vector<std::pair<std::string, std::string>> vars;
    std::string body;
};

// What run_spooler_task returns, as uWSGI's spooler: delete the task, keep it for the next scan,
// or "no spooler function" (kept too; uWSGI logs that it found none).
inline constexpr int kSpoolOk = -2;
inline constexpr int kSpoolRetry = -1;
inline constexpr int kSpoolIgnore = 0;

// A language runtime that loads one application and answers requests with it.
// Call order in the master: configure -> load_app (unless lazy-apps) -> {before_fork ->
// fork -> after_fork_parent} ...; in each worker: set_worker -> after_fork_child -> (load_app when lazy-apps) ->
// thread_start (on every request thread) -> handle ... -> shutdown; in a spooler process:
// set_worker (id 0) -> after_fork_child -> (load_app when lazy-apps) -> run_spooler_task ... -> shutdown.
class AppRuntime {
public:
    virtual ~AppRuntime() = default;
    // Starts the interpreter for these options (home/venv, pythonpath). chdir and env are applied
    // by the core before. False: `error` is one line.
    virtual bool configure(const Options& options, std::string& error) = 0;
    // Imports the application. False: `error` names the problem (the traceback is logged).
    virtual bool load_app(std::string& error) = 0;
    // One line for the banner, e.g. "Python 3.11.2 (/usr/bin/python3)".
    virtual std::string describe() const = 0;
    // What was loaded, e.g. "wsgi-file haha.py, callable application".
    virtual std::string app_name() const = 0;

    // The source files of everything the application imported so far (for py-autoreload).
    virtual std::vector<std::string> source_files() const = 0;

    virtual void before_fork() = 0;
    virtual void after_fork_parent() = 0;
    virtual void after_fork_child() = 0;
    // In a worker, before after_fork_child.
    virtual void set_worker(const WorkerFacts& facts) { (void)facts; }

    // Called once on each thread that will call handle(), before its first request.
    virtual void thread_start() = 0;
    // Runs the application for one request. Never throws; an application error becomes a 500
    // (or a closed connection when headers were already sent). Returns false when the worker
    // should stop after this request (e.g. the runtime is broken beyond repair).
    virtual bool handle(Request& request, ResponseWriter& response) = 0;

    // In a spooler process (after set_worker with id 0 and after_fork_child): runs the
    // application's spooler function on `task`. Never throws; an exception is logged and counts
    // as kSpoolRetry (uWSGI's behaviour).
    virtual int run_spooler_task(const SpoolTask& task) {
        (void)task;
        return kSpoolIgnore;
    }
    // Runs the handler the application registered for uWSGI signal `num` (0..255), in the worker's
    // event loop (uwsgi.register_signal). Never throws; a handler that raises, or no handler, is
    // logged.
    virtual void handle_signal(int num) { (void)num; }
    // In a mule process (uWSGI's mules: src/master/mules.*), after after_fork_child: runs what
    // `mule = VALUE` asks for (`program`: FILE.py, module:callable, or empty for the message loop
    // that hands each message to the application's hook) and returns the process's exit code when
    // it ends (the master starts the mule again). Never throws. Default: this runtime has no mules.
    virtual int run_mule(int id, const std::string& program) {
        (void)id;
        (void)program;
        return 1;
    }

    // Worker exit: finalise the interpreter (atexit handlers run).
    virtual void shutdown() = 0;
};

}  // namespace appserver
