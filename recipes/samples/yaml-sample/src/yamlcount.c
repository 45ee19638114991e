/* xbuild_yaml_sample._yamlcount: counts YAML events with libyaml's event parser (plain Python C API).
 *
 *   count_scalars(text) -> int          number of scalar events in all documents of text
 *   event_counts(text) -> dict          {"scalar": n, "mapping": n, "sequence": n, "document": n, "alias": n}
 *   libyaml_version() -> str            yaml_get_version_string() of the libyaml actually loaded
 *   compiled_for() -> str               the CPU architecture the module was compiled for
 *
 * A YAML syntax error raises ValueError with libyaml's problem text and the line/column.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <yaml.h>

struct counts {
    long scalar, mapping, sequence, document, alias;
};

/* Parses text (UTF-8) to the end; returns 0, or -1 with a Python exception set. */
static int parse_all(const char* text, Py_ssize_t size, struct counts* out) {
    yaml_parser_t parser;
    yaml_event_t event;
    int done = 0;

    memset(out, 0, sizeof *out);
    if (!yaml_parser_initialize(&parser)) {
        PyErr_NoMemory();
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char*)text, (size_t)size);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            PyErr_Format(PyExc_ValueError, "YAML error: %s at line %lu, column %lu",
                         parser.problem ? parser.problem : "unknown problem",
                         (unsigned long)parser.problem_mark.line + 1,
                         (unsigned long)parser.problem_mark.column + 1);
            yaml_parser_delete(&parser);
            return -1;
        }
        switch (event.type) {
            case YAML_SCALAR_EVENT: out->scalar++; break;
            case YAML_MAPPING_START_EVENT: out->mapping++; break;
            case YAML_SEQUENCE_START_EVENT: out->sequence++; break;
            case YAML_DOCUMENT_START_EVENT: out->document++; break;
            case YAML_ALIAS_EVENT: out->alias++; break;
            case YAML_STREAM_END_EVENT: done = 1; break;
            default: break;
        }
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return 0;
}

/* Accepts str (encoded as UTF-8) or bytes. */
static int parse_arg(PyObject* arg, struct counts* out) {
    const char* text;
    Py_ssize_t size;
    if (PyUnicode_Check(arg)) {
        text = PyUnicode_AsUTF8AndSize(arg, &size);
        if (!text) return -1;
    } else if (PyBytes_Check(arg)) {
        text = PyBytes_AS_STRING(arg);
        size = PyBytes_GET_SIZE(arg);
    } else {
        PyErr_Format(PyExc_TypeError, "expected str or bytes, got %.200s", Py_TYPE(arg)->tp_name);
        return -1;
    }
    return parse_all(text, size, out);
}

static PyObject* count_scalars(PyObject* self, PyObject* arg) {
    struct counts counts;
    (void)self;
    if (parse_arg(arg, &counts) < 0) return NULL;
    return PyLong_FromLong(counts.scalar);
}

static PyObject* event_counts(PyObject* self, PyObject* arg) {
    struct counts counts;
    (void)self;
    if (parse_arg(arg, &counts) < 0) return NULL;
    return Py_BuildValue("{s:l,s:l,s:l,s:l,s:l}", "scalar", counts.scalar, "mapping", counts.mapping,
                         "sequence", counts.sequence, "document", counts.document, "alias", counts.alias);
}

static PyObject* libyaml_version(PyObject* self, PyObject* unused) {
    (void)self;
    (void)unused;
    return PyUnicode_FromString(yaml_get_version_string());
}

static PyObject* compiled_for(PyObject* self, PyObject* unused) {
    (void)self;
    (void)unused;
#if defined(__aarch64__)
    return PyUnicode_FromString("aarch64");
#elif defined(__x86_64__)
    return PyUnicode_FromString("x86_64");
#elif defined(__arm__)
    return PyUnicode_FromString("arm");
#elif defined(__i386__)
    return PyUnicode_FromString("i686");
#elif defined(__riscv) && __riscv_xlen == 64
    return PyUnicode_FromString("riscv64");
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return PyUnicode_FromString("ppc64le");
#elif defined(__s390x__)
    return PyUnicode_FromString("s390x");
#else
    return PyUnicode_FromString("unknown");
#endif
}

static PyMethodDef methods[] = {
    {"count_scalars", count_scalars, METH_O, "Number of scalars in all YAML documents of text."},
    {"event_counts", event_counts, METH_O, "Counts of scalar/mapping/sequence/document/alias events."},
    {"libyaml_version", libyaml_version, METH_NOARGS, "Version string of the loaded libyaml."},
    {"compiled_for", compiled_for, METH_NOARGS, "The CPU architecture this module was compiled for."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_yamlcount", "Counts YAML events with libyaml.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__yamlcount(void) {
    return PyModule_Create(&module);
}
