#include "response.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <optional>

#include "file_wrapper.h"
#include "interpreter.h"
#include "py_error.h"
#include "py_ref.h"
#include "start_response.h"
#include "wsgi_input.h"

namespace appserver::python {
namespace {

// How sending the result ended. `failed`: a Python exception is pending.
enum class Sent { complete, failed, client_gone };

Sent outcome(bool ok, const ResponseState& state) {
    if (ok) return Sent::complete;
    return state.client_gone ? Sent::client_gone : Sent::failed;
}

std::string_view bytes_view(PyObject* bytes) {
    return std::string_view(PyBytes_AS_STRING(bytes), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes)));
}

// The most a response may hold back (copied) to go out with the head after the GIL is released:
// a copy this small costs less than the GIL hand-off a write makes.
constexpr Py_ssize_t kHoldLimit = 4096;

// The held bytes of this thread's current request; cleared, not freed, between requests.
std::string& held_body() {
    thread_local std::string held;
    return held;
}

// A child the application forked (os.fork) came back into the server instead of ending with
// os._exit(): it leaves here, before it writes to the parent's client or runs the worker's loop.
// Its status is what sys.exit() asked (SystemExit.code), 1 for another exception (printed), else
// 0; Python's buffered output is flushed first, as os._exit() would not but an exit would.
void leave_if_forked_child() {
    if (!forked_by_application()) return;
    int status = 0;
    if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_SystemExit)) {
        PyErr_Print();  // not for SystemExit: printing one ends the process with a full finalization
        status = 1;
    } else if (PyErr_Occurred()) {
        PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
        PyErr_Fetch(&type, &value, &traceback);
        PyErr_NormalizeException(&type, &value, &traceback);
        PyRef owned_type = PyRef::steal(type), owned_value = PyRef::steal(value);
        PyRef owned_traceback = PyRef::steal(traceback);
        PyRef code = value != nullptr ? PyRef::steal(PyObject_GetAttrString(value, "code")) : PyRef();
        if (code && code.get() != Py_None)
            status = PyLong_Check(code.get()) ? static_cast<int>(PyLong_AsLong(code.get())) : 1;
        PyErr_Clear();
    }
    for (const char* name : {"stdout", "stderr"})
        if (PyObject* stream = PySys_GetObject(name); stream != nullptr && stream != Py_None)
            Py_XDECREF(PyObject_CallMethod(stream, "flush", nullptr));
    PyErr_Clear();
    leave_forked_child(status);
}

bool type_error_for_chunk(PyObject* chunk) {
    PyErr_Format(PyExc_TypeError, "the application must return bytes, not %.100s", Py_TYPE(chunk)->tp_name);
    return false;
}

// A list or tuple: the whole body is known, so its size goes out as the body_length hint.
Sent send_sequence(PyObject* sequence, ResponseState& state) {
    Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
    PyObject** items = PySequence_Fast_ITEMS(sequence);
    std::uint64_t total = 0;
    for (Py_ssize_t i = 0; i < count; ++i) {
        if (!PyBytes_Check(items[i])) return outcome(type_error_for_chunk(items[i]), state);
        total += static_cast<std::uint64_t>(PyBytes_GET_SIZE(items[i]));
    }
    if (!state.send_headers(total)) return outcome(false, state);
    if (total <= static_cast<std::uint64_t>(kHoldLimit)) {
        // The items are bytes (checked above) and nothing released the GIL since.
        for (Py_ssize_t i = 0; i < count; ++i) held_body().append(bytes_view(items[i]));
        return Sent::complete;
    }
    // Writes release the GIL, so another thread could change a list meanwhile: re-read each item.
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sequence); ++i) {
        PyRef chunk = PyRef::borrow(PySequence_Fast_GET_ITEM(sequence, i));
        if (!PyBytes_Check(chunk.get())) return outcome(type_error_for_chunk(chunk.get()), state);
        if (PyBytes_GET_SIZE(chunk.get()) > 0 && !state.write(bytes_view(chunk.get())))
            return outcome(false, state);
    }
    return Sent::complete;
}

// Any other iterable: stream each non-empty chunk; headers go out with the first one.
Sent send_iterable(PyObject* result, ResponseState& state) {
    PyRef iterator = PyRef::steal(PyObject_GetIter(result));
    if (!iterator) return Sent::failed;
    while (PyRef chunk = PyRef::steal(PyIter_Next(iterator.get()))) {
        leave_if_forked_child();  // the body's generator may fork
        if (!PyBytes_Check(chunk.get())) return outcome(type_error_for_chunk(chunk.get()), state);
        if (PyBytes_GET_SIZE(chunk.get()) == 0) continue;
        if (!state.write(bytes_view(chunk.get()))) return outcome(false, state);
    }
    leave_if_forked_child();
    if (PyErr_Occurred()) return Sent::failed;
    return outcome(state.send_headers(std::uint64_t{0}), state);
}

std::optional<std::uint64_t> parse_length(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// A file wrapper over a regular file with a descriptor: sendfile from the file's current position
// to its end (or as far as the application's Content-Length says), queued for the worker's event
// loop, which keeps its own descriptor: the wrapper's close() may close the file at once. Nullopt:
// not such a file, so the caller iterates the wrapper instead.
std::optional<Sent> send_file(PyObject* filelike, ResponseState& state) {
    PyRef fileno = PyRef::steal(PyObject_CallMethod(filelike, "fileno", nullptr));
    if (!fileno) {
        PyErr_Clear();
        return std::nullopt;
    }
    long fd = PyLong_AsLong(fileno.get());
    if (fd < 0 || fd > INT_MAX) {
        PyErr_Clear();
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    // tell() is the position the application sees (a buffered file reads ahead of it).
    off_t offset = -1;
    if (PyRef position = PyRef::steal(PyObject_CallMethod(filelike, "tell", nullptr))) {
        offset = PyLong_AsLongLong(position.get());
        if (offset == -1 && PyErr_Occurred()) PyErr_Clear();
    } else {
        PyErr_Clear();
    }
    if (offset < 0) offset = ::lseek(static_cast<int>(fd), 0, SEEK_CUR);
    if (offset < 0) return std::nullopt;

    std::uint64_t count = st.st_size > offset ? static_cast<std::uint64_t>(st.st_size - offset) : 0;
    if (auto header = state.header("Content-Length"))
        if (auto limit = parse_length(*header)) count = std::min(count, *limit);
    if (!state.send_headers(count)) return outcome(false, state);
    if (count == 0) return Sent::complete;
    bool ok;
    {
        WithoutGil unlocked;
        ok = state.writer->send_file(static_cast<int>(fd), static_cast<std::uint64_t>(offset), count);
    }
    if (!ok) state.client_gone = true;
    return ok ? Sent::complete : Sent::client_gone;
}

Sent send_result(PyObject* result, ResponseState& state) {
    // One bytes object (the most common result): sent whole, never iterated byte by byte.
    if (PyBytes_CheckExact(result) && PyBytes_GET_SIZE(result) <= kHoldLimit) {
        if (!state.send_headers(static_cast<std::uint64_t>(PyBytes_GET_SIZE(result)))) return outcome(false, state);
        held_body().assign(bytes_view(result));
        return Sent::complete;
    }
    if (PyBytes_Check(result)) {
        bool ok = state.send_headers(static_cast<std::uint64_t>(PyBytes_GET_SIZE(result))) &&
                  state.write(bytes_view(result));
        return outcome(ok, state);
    }
    if (PyList_CheckExact(result) || PyTuple_CheckExact(result)) return send_sequence(result, state);
    if (PyObject* filelike = wrapped_file(result)) {
        if (std::optional<Sent> sent = send_file(filelike, state)) return *sent;
    }
    return send_iterable(result, state);
}

// result.close(), when it has one. False: it raised (the exception is pending).
bool close_result(PyObject* result) {
    // The common results (a list, tuple or bytes) have no close(): asking would build and drop an
    // AttributeError on every request.
    if (PyList_CheckExact(result) || PyTuple_CheckExact(result) || PyBytes_CheckExact(result)) return true;
    static PyObject* close_name = PyUnicode_InternFromString("close");  // leaked with the interpreter
    PyRef close = PyRef::steal(PyObject_GetAttr(result, close_name));
    if (!close) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return false;
        PyErr_Clear();
        return true;
    }
    return PyRef::steal(PyObject_CallNoArgs(close.get())) ? true : false;
}

// A response of the server's own when the application produced none.
void send_error(ResponseState& state, int status) {
    state.sent = true;
    WithoutGil unlocked;
    send_server_error(*state.writer, status);
}

}  // namespace

ResponseTail run_application(PyObject* app, PyObject* environ, PyObject* start_response, PyObject* input,
                             ResponseState& state, const RequestLabel& label) {
    held_body().clear();
    PyObject* args[] = {environ, start_response};
    PyRef result = PyRef::steal(PyObject_Vectorcall(app, args, 2, nullptr));
    leave_if_forked_child();
    Sent sent = result ? send_result(result.get(), state) : Sent::failed;

    std::optional<PyErrorText> error;
    if (sent == Sent::failed) error = take_error();
    if (sent == Sent::client_gone) PyErr_Clear();
    if (result && !close_result(result.get())) {
        leave_if_forked_child();
        PyErrorText close_error = take_error();
        spdlog::error("{} {}: the response's close() failed:\n{}", label.method, label.uri,
                      close_error.traceback);
    }
    leave_if_forked_child();  // close() may fork too

    if (state.client_gone) {
        spdlog::debug("{} {}: client gone while sending the response", label.method, label.uri);
        return {};
    }
    if (error && input_failed(input)) {
        // The client, not the application, broke the request (went away, stalled, malformed
        // chunked body): no traceback noise at error level.
        spdlog::debug("{} {}: the request body could not be read ({})", label.method, label.uri,
                      error->summary);
        if (!state.sent) send_error(state, 400);
        return {};
    }
    if (error) {
        spdlog::error("{} {}: application error:\n{}", label.method, label.uri, error->traceback);
        state.writer->note_exception();
        if (!state.sent) send_error(state, 500);
        return {};
    }
    // Only a complete result holds bytes back, so they are never lost on the paths above.
    return {.finish = true, .held = held_body()};
}

void finish_response(ResponseWriter& writer, const ResponseTail& tail, const RequestLabel& label) {
    if (!tail.finish) return;
    bool finished = writer.finish_with(tail.held);
    if (!finished) spdlog::debug("{} {}: client gone at the end of the response", label.method, label.uri);
}

}  // namespace appserver::python
