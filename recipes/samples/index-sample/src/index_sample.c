/* A minimal C extension: index_sample.square(n). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject* square(PyObject* self, PyObject* args) {
    long n;
    if (!PyArg_ParseTuple(args, "l", &n)) return NULL;
    return PyLong_FromLong(n * n);
}

static PyMethodDef methods[] = {{"square", square, METH_VARARGS, "n * n"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "index_sample", NULL, -1, methods};

PyMODINIT_FUNC PyInit_index_sample(void) { return PyModule_Create(&module); }
