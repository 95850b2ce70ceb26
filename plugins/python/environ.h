#pragma once
// The WSGI environ (PEP 3333). The constant part (wsgi.version, wsgi.errors, wsgi.multithread,
// defaults for SCRIPT_NAME/PATH_INFO/QUERY_STRING...) is built once; each request copies it and
// adds the request's CGI variables as latin-1 decoded str under interned keys, created once from a
// table of the CGI names and cached for the HTTP_* names seen (up to a bound, against clients
// that invent a new header name per request).

#include <Python.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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

    PyObject* constant_ = nullptr;
    PyObject* https_ = nullptr;  // "https", for wsgi.url_scheme
    PyObject* url_scheme_key_ = nullptr;
    PyObject* input_key_ = nullptr;
    std::unordered_map<std::string, PyObject*, Hash, std::equal_to<>> keys_;
};

}  // namespace appserver::python
