// A python_example-style pybind11 module: two functions, a version, and the greeting the build's
// environment gave it.
#include <pybind11/pybind11.h>

namespace py = pybind11;

int add(int i, int j) { return i + j; }

PYBIND11_MODULE(cibw_example, m) {
    m.doc() = "pybind11 example built from a cibuildwheel configuration";
    m.def("add", &add, "Add two numbers");
    m.def("subtract", [](int i, int j) { return i - j; }, "Subtract two numbers");
    m.def("greeting", [] { return std::string(GREETING); }, "The greeting this wheel was built with");
    m.attr("__version__") = VERSION_INFO;
}
