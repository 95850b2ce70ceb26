#include "environ.h"

#include "file_wrapper.h"
#include "py_ref.h"
#include "wsgi_errors.h"

namespace appserver::python {
namespace {

// Keys interned at start: what the core sends, and the common request headers.
// clang-format off
constexpr const char* known_keys[] = {
    "REQUEST_METHOD", "REQUEST_URI", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
    "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT",
    "DOCUMENT_ROOT", "HTTPS", "REMOTE_USER", "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE", "HTTP_CONNECTION", "HTTP_COOKIE", "HTTP_REFERER",
    "HTTP_ORIGIN", "HTTP_AUTHORIZATION", "HTTP_CACHE_CONTROL", "HTTP_PRAGMA", "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
    "HTTP_X_REAL_IP", "HTTP_X_REQUESTED_WITH", "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_DNT",
    "HTTP_SEC_FETCH_SITE", "HTTP_SEC_FETCH_MODE", "HTTP_SEC_FETCH_DEST", "HTTP_SEC_FETCH_USER",
    "HTTP_SEC_CH_UA", "HTTP_SEC_CH_UA_MOBILE", "HTTP_SEC_CH_UA_PLATFORM", "HTTP_RANGE", "HTTP_EXPECT",
    "HTTP_TE", "HTTP_KEEP_ALIVE",
};
// clang-format on

constexpr std::size_t max_cached_keys = 512;
// Positions and value sizes the previous request's objects are kept for (a bound on what a client
// with a hundred headers of 8 KB could make us hold).
constexpr std::size_t max_recent_positions = 64;
constexpr std::size_t max_recent_value = 512;
// Entries an environ holds without growing (see Environ::init): the 11 constants, the request's
// CGI variables (about 25 for a browser's request) and wsgi.input.
constexpr Py_ssize_t kEnvironSlots = 40;

PyObject* decode(std::string_view text) {
    return PyUnicode_DecodeLatin1(text.data(), static_cast<Py_ssize_t>(text.size()), nullptr);
}

// *slot = value (a new reference, or null), dropping what was there.
void replace(PyObject*& slot, PyObject* value) {
    PyObject* old = slot;
    slot = value;
    Py_XDECREF(old);
}

PyObject* intern(std::string_view text) {
    PyObject* object = PyUnicode_DecodeLatin1(text.data(), static_cast<Py_ssize_t>(text.size()), nullptr);
    if (object != nullptr) PyUnicode_InternInPlace(&object);
    return object;
}

// Sets constant[name] = value, taking over `value`.
bool put(PyObject* dict, const char* name, PyObject* value) {
    PyRef owned = PyRef::steal(value);
    PyRef key = PyRef::steal(PyUnicode_InternFromString(name));
    return owned && key && PyDict_SetItem(dict, key.get(), owned.get()) == 0;
}

PyObject* new_bool(bool value) { return PyBool_FromLong(value ? 1 : 0); }

}  // namespace

bool Environ::init(const Options& options) {
    for (const char* name : known_keys) {
        PyObject* key = intern(name);
        if (key == nullptr) return false;
        keys_.emplace(name, key);
    }
    url_scheme_key_ = PyUnicode_InternFromString("wsgi.url_scheme");
    input_key_ = PyUnicode_InternFromString("wsgi.input");
    https_ = PyUnicode_InternFromString("https");
    // Sized for the constants plus a browser's worth of CGI variables: every environ is a copy of
    // this dict (CPython's copy clones its table whole), so the copy never grows as the request's
    // variables go in; from an empty-sized table it would resize and rehash on every request.
    constant_ = _PyDict_NewPresized(kEnvironSlots);
    if (url_scheme_key_ == nullptr || input_key_ == nullptr || https_ == nullptr || constant_ == nullptr)
        return false;
    return put(constant_, "wsgi.version", Py_BuildValue("(ii)", 1, 0)) &&
           put(constant_, "wsgi.url_scheme", PyUnicode_InternFromString("http")) &&
           put(constant_, "wsgi.errors", new_errors_stream()) &&
           put(constant_, "wsgi.multithread", new_bool(options.threads > 1)) &&
           put(constant_, "wsgi.multiprocess", new_bool(options.processes > 1)) &&
           put(constant_, "wsgi.run_once", new_bool(false)) &&
           put(constant_, "wsgi.input_terminated", new_bool(true)) &&
           put(constant_, "wsgi.file_wrapper", Py_NewRef(file_wrapper_type())) &&
           put(constant_, "SCRIPT_NAME", PyUnicode_FromStringAndSize("", 0)) &&
           put(constant_, "PATH_INFO", PyUnicode_FromStringAndSize("", 0)) &&
           put(constant_, "QUERY_STRING", PyUnicode_FromStringAndSize("", 0));
}

PyObject* Environ::key(std::string_view name, PyObject*& owned) {
    if (auto found = keys_.find(name); found != keys_.end()) return found->second;
    PyObject* key = intern(name);
    if (key == nullptr) return nullptr;
    if (keys_.size() < max_cached_keys) {
        keys_.emplace(std::string(name), key);
        return key;
    }
    owned = key;
    return key;
}

bool Environ::lookup(std::size_t index, std::string_view name, std::string_view value, PyObject*& key_object,
                     PyObject*& text, Repeat& repeat) {
    repeat = Repeat::none;
    if (index >= max_recent_positions) return false;
    if (index >= recent_.size()) recent_.resize(index + 1);
    Recent& recent = recent_[index];
    bool same_name = recent.key != nullptr && recent.name == name;
    if (!same_name) {
        PyObject* owned = nullptr;
        PyObject* found = key(name, owned);
        if (found == nullptr) return false;
        replace(recent.key, owned != nullptr ? owned : Py_NewRef(found));
        recent.name.assign(name);
    }
    bool same_value = recent.text != nullptr && recent.value == value;
    if (!same_value) {
        if (value.size() > max_recent_value) return false;
        PyObject* decoded = decode(value);
        if (decoded == nullptr) return false;
        replace(recent.text, decoded);
        recent.value.assign(value);
    }
    key_object = recent.key;
    text = recent.text;
    repeat = !same_name ? Repeat::none : same_value ? Repeat::name_and_value : Repeat::name;
    return true;
}

bool Environ::add_variables(PyObject* environ, const Request& request, bool& names_repeat) {
    names_repeat = true;
    std::size_t index = 0;
    for (const auto& [name, value] : request.vars) {
        PyObject* key_object = nullptr;
        PyObject* text = nullptr;
        Repeat repeat = Repeat::none;
        bool kept = lookup(index++, name, value, key_object, text, repeat);
        if (repeat == Repeat::none) names_repeat = false;
        if (kept) {
            if (PyDict_SetItem(environ, key_object, text) != 0) return false;
            continue;
        }
        if (PyErr_Occurred() || !set_unkept(environ, name, value)) return false;
    }
    return true;
}

bool Environ::set_unkept(PyObject* environ, std::string_view name, std::string_view value) {
    PyObject* owned_key = nullptr;
    PyObject* key_object = key(name, owned_key);
    PyRef owned = PyRef::steal(owned_key);
    if (key_object == nullptr) return false;
    PyRef fresh = PyRef::steal(decode(value));
    return fresh && PyDict_SetItem(environ, key_object, fresh.get()) == 0;
}

bool Environ::names_distinct(std::size_t count) const {
    // With a name twice the later value wins (inserting them in order gives that), and setting
    // only the values that changed would show a change to the earlier one alone. Keys are
    // interned, so equal names are the same object; at most 64 positions, and only when a
    // template is made.
    for (std::size_t i = 0; i < count; ++i)
        for (std::size_t j = i + 1; j < count; ++j)
            if (recent_[i].key == recent_[j].key) return false;
    return true;
}

PyObject* Environ::copy_template(const Request& request) {
    // Only as many positions as the template was built from: a longer request would have to
    // insert, a shorter one delete.
    if (template_ == nullptr || request.vars.size() != template_vars_) return nullptr;
    std::size_t index = 0;
    for (const auto& [name, value] : request.vars) {
        const Recent& recent = recent_[index++];
        if (recent.key == nullptr || recent.text == nullptr || recent.name != name) return nullptr;
    }
    PyRef environ = PyRef::steal(PyDict_Copy(template_));
    if (!environ) return nullptr;
    index = 0;
    for (const auto& [name, value] : request.vars) {
        PyObject* key_object = nullptr;
        PyObject* text = nullptr;
        Repeat repeat = Repeat::none;
        if (!lookup(index++, name, value, key_object, text, repeat)) {
            // A value too long to keep: this request's environ is right, the template no longer.
            Py_CLEAR(template_);
            if (PyErr_Occurred() || !set_unkept(environ.get(), name, value)) return nullptr;
            continue;
        }
        if (repeat == Repeat::name_and_value) continue;
        if (PyDict_SetItem(environ.get(), key_object, text) != 0) return nullptr;
        if (template_ != nullptr && PyDict_SetItem(template_, key_object, text) != 0) return nullptr;
    }
    return environ.release();
}

PyObject* Environ::build(const Request& request, PyObject* input, std::optional<std::string_view> script_name,
                         std::optional<std::string_view> path_info) {
    PyRef environ = PyRef::steal(copy_template(request));
    if (!environ) {
        if (PyErr_Occurred()) return nullptr;
        environ = PyRef::steal(PyDict_Copy(constant_));
        bool names_repeat = false;
        if (!environ || !add_variables(environ.get(), request, names_repeat)) return nullptr;
        // The second request in a row with these names: the next one with them copies this.
        Py_CLEAR(template_);
        if (names_repeat && names_distinct(request.vars.size())) {
            template_ = PyDict_Copy(environ.get());
            if (template_ == nullptr) return nullptr;
            template_vars_ = request.vars.size();
        }
    }
    for (auto [name, value] : {std::pair{"SCRIPT_NAME", script_name}, {"PATH_INFO", path_info}}) {
        if (!value) continue;
        PyRef text = PyRef::steal(
            PyUnicode_DecodeLatin1(value->data(), static_cast<Py_ssize_t>(value->size()), nullptr));
        if (!text || PyDict_SetItemString(environ.get(), name, text.get()) != 0) return nullptr;
    }
    if (PyDict_SetItem(environ.get(), input_key_, input) != 0) return nullptr;
    if (request.url_scheme == "https") {
        if (PyDict_SetItem(environ.get(), url_scheme_key_, https_) != 0) return nullptr;
    } else if (request.url_scheme != "http") {
        PyRef scheme = PyRef::steal(PyUnicode_DecodeLatin1(
            request.url_scheme.data(), static_cast<Py_ssize_t>(request.url_scheme.size()), nullptr));
        if (!scheme || PyDict_SetItem(environ.get(), url_scheme_key_, scheme.get()) != 0) return nullptr;
    }
    return environ.release();
}

void Environ::clear() {
    for (Recent& recent : recent_) {
        Py_CLEAR(recent.key);
        Py_CLEAR(recent.text);
    }
    recent_.clear();
    Py_CLEAR(template_);
    for (auto& entry : keys_) Py_DECREF(entry.second);
    keys_.clear();
    Py_CLEAR(constant_);
    Py_CLEAR(https_);
    Py_CLEAR(url_scheme_key_);
    Py_CLEAR(input_key_);
}

}  // namespace appserver::python
