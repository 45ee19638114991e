/* FNV-1a over bytes, on CPython's limited API only (Py_LIMITED_API is set by setup.py). */
#include <Python.h>
#include <stdint.h>

static PyObject *fnv1a(PyObject *self, PyObject *arg) {
    (void)self;
    char *data = NULL;
    Py_ssize_t size = 0;
    if (PyBytes_AsStringAndSize(arg, &data, &size) != 0) return NULL;
    uint64_t hash = 14695981039346656037ull;
    for (Py_ssize_t i = 0; i < size; ++i) {
        hash ^= (unsigned char)data[i];
        hash *= 1099511628211ull;
    }
    return PyLong_FromUnsignedLongLong(hash);
}

static PyMethodDef methods[] = {
    {"fnv1a", fnv1a, METH_O, "FNV-1a 64-bit hash of a bytes object."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fnv", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fnv(void) {
    return PyModule_Create(&module);
}
