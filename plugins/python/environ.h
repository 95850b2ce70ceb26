#pragma once
// The WSGI environ (PEP 3333). The constant part (wsgi.version, wsgi.errors, wsgi.multithread,
// defaults for SCRIPT_NAME/PATH_INFO/QUERY_STRING...) is built once; each request copies it and
// adds the request's CGI variables as latin-1 decoded str under interned keys, created once from a
// table of the CGI names and cached for the HTTP_* names seen (up to a bound, against clients
// that invent a new header name per request). Each position of the previous request's variables
// keeps its key and value objects: a client's next request mostly repeats them (same method,
// protocol, Host, User-Agent...), and a repeat costs a compare instead of a lookup and a new str.

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
    // The key and value objects for variable number `index`, from recent_ when they repeat the
    // previous request's; both borrowed. False: exception set.
    bool lookup(std::size_t index, std::string_view name, std::string_view value, PyObject*& key_object,
                PyObject*& text);

    PyObject* constant_ = nullptr;
    PyObject* https_ = nullptr;  // "https", for wsgi.url_scheme
    PyObject* url_scheme_key_ = nullptr;
    PyObject* input_key_ = nullptr;
    std::unordered_map<std::string, PyObject*, Hash, std::equal_to<>> keys_;
    std::vector<Recent> recent_;
};

}  // namespace appserver::python
