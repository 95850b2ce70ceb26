// uwsgi.cache_get / set / update / exists / del / clear / keys over the instance's shared caches
// (include/appserver/api_cache.h), with uWSGI 2.0's arguments and return values: keys and values
// are str (UTF-8) or bytes, values come back as bytes, success is True and failure None.
#include "uwsgi_cache.h"

#include <optional>
#include <string>
#include <string_view>

#include "appserver/api_cache.h"

namespace appserver::python {
namespace {

// "s#" gives a str's UTF-8 or a bytes object's buffer; both stay valid while `args` holds them,
// also with the GIL released (they are immutable).
std::string_view view(const char* data, Py_ssize_t size) {
    return {data, static_cast<std::size_t>(size)};
}

api::CacheName name_of(const char* cache) {
    return cache ? api::CacheName(std::string_view(cache)) : std::nullopt;
}

PyObject* true_or_none(bool ok) {
    if (ok) Py_RETURN_TRUE;
    Py_RETURN_NONE;
}

PyObject* py_cache_get(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"key", "cache", nullptr};
    const char* key = nullptr;
    Py_ssize_t key_len = 0;
    const char* cache = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s#|z:cache_get", const_cast<char**>(keywords), &key, &key_len,
                                     &cache))
        return nullptr;
    std::optional<std::string> value;
    Py_BEGIN_ALLOW_THREADS
    value = api::cache_get(view(key, key_len), name_of(cache));
    Py_END_ALLOW_THREADS
    if (!value) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize(value->data(), static_cast<Py_ssize_t>(value->size()));
}

PyObject* write(PyObject* args, PyObject* kwargs, bool update) {
    static const char* keywords[] = {"key", "value", "expires", "cache", nullptr};
    const char* key = nullptr;
    Py_ssize_t key_len = 0;
    const char* value = nullptr;
    Py_ssize_t value_len = 0;
    long long expires = 0;
    const char* cache = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, update ? "s#s#|Lz:cache_update" : "s#s#|Lz:cache_set",
                                     const_cast<char**>(keywords), &key, &key_len, &value, &value_len, &expires,
                                     &cache))
        return nullptr;
    if (expires < 0) return PyErr_Format(PyExc_ValueError, "expires must be 0 (never) or a number of seconds");
    bool ok = false;
    Py_BEGIN_ALLOW_THREADS
    auto seconds = static_cast<std::uint64_t>(expires);
    ok = update ? api::cache_update(view(key, key_len), view(value, value_len), seconds, name_of(cache))
                : api::cache_set(view(key, key_len), view(value, value_len), seconds, name_of(cache));
    Py_END_ALLOW_THREADS
    return true_or_none(ok);
}

PyObject* py_cache_set(PyObject*, PyObject* args, PyObject* kwargs) { return write(args, kwargs, false); }
PyObject* py_cache_update(PyObject*, PyObject* args, PyObject* kwargs) { return write(args, kwargs, true); }

// cache_exists and cache_del: a key and an optional cache name.
PyObject* key_call(PyObject* args, PyObject* kwargs, const char* format, bool (*call)(std::string_view, api::CacheName)) {
    static const char* keywords[] = {"key", "cache", nullptr};
    const char* key = nullptr;
    Py_ssize_t key_len = 0;
    const char* cache = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, format, const_cast<char**>(keywords), &key, &key_len, &cache))
        return nullptr;
    bool ok = false;
    Py_BEGIN_ALLOW_THREADS
    ok = call(view(key, key_len), name_of(cache));
    Py_END_ALLOW_THREADS
    return true_or_none(ok);
}

PyObject* py_cache_exists(PyObject*, PyObject* args, PyObject* kwargs) {
    return key_call(args, kwargs, "s#|z:cache_exists", api::cache_exists);
}
PyObject* py_cache_del(PyObject*, PyObject* args, PyObject* kwargs) {
    return key_call(args, kwargs, "s#|z:cache_del", api::cache_del);
}

PyObject* py_cache_clear(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"cache", nullptr};
    const char* cache = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|z:cache_clear", const_cast<char**>(keywords), &cache))
        return nullptr;
    bool ok = false;
    Py_BEGIN_ALLOW_THREADS
    ok = api::cache_clear(name_of(cache));
    Py_END_ALLOW_THREADS
    return true_or_none(ok);
}

PyObject* py_cache_keys(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"cache", nullptr};
    const char* cache = nullptr;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|z:cache_keys", const_cast<char**>(keywords), &cache))
        return nullptr;
    std::optional<std::vector<std::string>> keys;
    Py_BEGIN_ALLOW_THREADS
    keys = api::cache_keys(name_of(cache));
    Py_END_ALLOW_THREADS
    if (!keys) return PyErr_Format(PyExc_ValueError, "no local uWSGI cache available");  // uWSGI's words
    PyObject* list = PyList_New(0);
    if (list == nullptr) return nullptr;
    for (const std::string& key : *keys) {
        PyObject* item = PyBytes_FromStringAndSize(key.data(), static_cast<Py_ssize_t>(key.size()));
        if (item == nullptr || PyList_Append(list, item) != 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return nullptr;
        }
        Py_DECREF(item);
    }
    return list;
}

#define KW(f) reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f)), METH_VARARGS | METH_KEYWORDS

PyMethodDef methods[] = {
    {"cache_get", KW(py_cache_get), "cache_get(key, cache=None): the value (bytes) or None"},
    {"cache_set", KW(py_cache_set), "cache_set(key, value, expires=0, cache=None): True, or None when refused "
                                    "(the key exists, too big, full)"},
    {"cache_update", KW(py_cache_update), "cache_update(key, value, expires=0, cache=None): set or overwrite"},
    {"cache_exists", KW(py_cache_exists), "cache_exists(key, cache=None): True or None"},
    {"cache_del", KW(py_cache_del), "cache_del(key, cache=None): True, or None when there was no such key"},
    {"cache_clear", KW(py_cache_clear), "cache_clear(cache=None): empties the cache"},
    {"cache_keys", KW(py_cache_keys), "cache_keys(cache=None): the keys (bytes) as a list"},
    {nullptr, nullptr, 0, nullptr},
};

#undef KW

}  // namespace

bool add_cache_api(PyObject* module) { return PyModule_AddFunctions(module, methods) == 0; }

}  // namespace appserver::python
