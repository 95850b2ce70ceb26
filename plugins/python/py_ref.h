#pragma once
// PyRef: the one owner of a strong reference to a PyObject. Every PyObject* the plugin keeps or
// passes around is held in one; raw pointers are borrowed and never outlive the call. Destroying,
// resetting or assigning a PyRef touches reference counts, so it must happen with the GIL held.
// Hence no PyRef has static storage duration: it would be destroyed after Py_FinalizeEx.

#include <Python.h>

#include <utility>

namespace appserver::python {

class PyRef {
public:
    PyRef() = default;
    // Takes over a new reference (the result of most C-API calls); null stays null.
    static PyRef steal(PyObject* object) { return PyRef(object); }
    // Adds a reference to a borrowed pointer.
    static PyRef borrow(PyObject* object) {
        Py_XINCREF(object);
        return PyRef(object);
    }

    PyRef(const PyRef& other) : object_(other.object_) { Py_XINCREF(object_); }
    PyRef(PyRef&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
    PyRef& operator=(PyRef other) noexcept {
        std::swap(object_, other.object_);
        return *this;
    }
    ~PyRef() { Py_XDECREF(object_); }

    PyObject* get() const { return object_; }
    // Gives the reference to the caller (e.g. to return it to Python).
    PyObject* release() { return std::exchange(object_, nullptr); }
    void reset() { Py_CLEAR(object_); }
    explicit operator bool() const { return object_ != nullptr; }

private:
    explicit PyRef(PyObject* object) : object_(object) {}

    PyObject* object_ = nullptr;
};

}  // namespace appserver::python
