#pragma once
// The WSGI environ (PEP 3333). The constant part (wsgi.version, wsgi.errors, wsgi.multithread,
// defaults for SCRIPT_NAME/PATH_INFO/QUERY_STRING...) is built once; each request copies it and
// adds the request's CGI variables as latin-1 decoded str under interned keys, created once from a
// table of the CGI names and cached for the HTTP_* names seen (up to a bound, against clients
// that invent a new header name per request). Each position of the previous request's variables
// keeps its key and value objects: a client's next request mostly repeats them (same method,
// protocol, Host, User-Agent...), and a repeat costs a compare instead of a lookup and a new str.
// When a request's variable names repeat the previous request's, position by position, the environ
// is a copy of the last one built for those names (template_), with only the values that differ
// set again: a keep-alive client's environ then costs one dict copy instead of a dozen inserts.

#include <Python.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "appserver/app_runtime.h"
#include "appserver/options.h"

namespace appserver::python {

class Environ {
public:
    Environ() = default;
    Environ(const Environ&) = delete;
    Environ& operator=(const Environ&) = delete;

    // With the GIL held, after the types are ready. False: exception set.
    bool init(const Options& options);
    // A new environ for `request` with `input` as wsgi.input (new reference), or null with an
    // exception set.
    // `script_name` / `path_info`, when given, replace the request's (manage-script-name).
    PyObject* build(const Request& request, PyObject* input, std::optional<std::string_view> script_name = {},
                    std::optional<std::string_view> path_info = {});
    // Drops every reference (before Py_FinalizeEx); the destructor does not touch Python.
    void clear();

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };
    // The interned key for `name`: borrowed when cached, else a new reference in `owned`.
    PyObject* key(std::string_view name, PyObject*& owned);

    // The previous request's variable at one position: name and value bytes with their objects
    // (new references, dropped in clear()).
    struct Recent {
        std::string name;
        PyObject* key = nullptr;
        std::string value;
        PyObject* text = nullptr;
    };
    enum class Repeat { none, name, name_and_value };
    // The key and value objects for variable number `index`, from recent_ when they repeat the
    // previous request's; both borrowed, and what repeated in `repeat`. False: none are kept for
    // this position or value (`repeat` none), or an exception is set.
    bool lookup(std::size_t index, std::string_view name, std::string_view value, PyObject*& key_object,
                PyObject*& text, Repeat& repeat);
    // The request's variables into `environ` one by one; `names_repeat` tells whether every name
    // repeated the previous request's at its position. False: exception set.
    bool add_variables(PyObject* environ, const Request& request, bool& names_repeat);
    // environ[name] = value with objects for this request only (past the positions or the value
    // size kept in recent_). False: exception set.
    bool set_unkept(PyObject* environ, std::string_view name, std::string_view value);
    // From template_ when the names repeat: null with no exception when they do not.
    PyObject* copy_template(const Request& request);
    // Whether recent_'s first `count` positions hold distinct names.
    bool names_distinct(std::size_t count) const;

    PyObject* constant_ = nullptr;
    PyObject* https_ = nullptr;  // "https", for wsgi.url_scheme
    PyObject* url_scheme_key_ = nullptr;
    PyObject* input_key_ = nullptr;
    std::unordered_map<std::string, PyObject*, Hash, std::equal_to<>> keys_;
    std::vector<Recent> recent_;
    // The environ (before wsgi.input and the per-request replacements) of the last request whose
    // names repeated their predecessor's, kept in step with recent_'s values; null when the
    // names last changed. Never handed to the application: each request gets a copy.
    PyObject* template_ = nullptr;
    std::size_t template_vars_ = 0;  // the number of variables template_ was built from
};

}  // namespace appserver::python
