// A CPython extension (the C API, no binding library) heavy on the C++ standard library: regex,
// filesystem, threads, exceptions, iostreams, std::function. Built against an old libstdc++ it must
// need no newer GLIBCXX_/CXXABI_ versions than that libstdc++ has.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Boom : std::runtime_error {
    using std::runtime_error::runtime_error;
};

int count_words(const std::string& text) {
    static const std::regex word(R"(\b[A-Za-z]+\b)");
    return static_cast<int>(
        std::distance(std::sregex_iterator(text.begin(), text.end(), word), std::sregex_iterator()));
}

void may_throw(int i) {
    if (i % 7 == 3) throw Boom("boom " + std::to_string(i));
}

// Writes 5 files of 3 words under dir, counts their words on threads, catches 3 exceptions out
// of 20 calls: 15 * 1000 + 3 * 100 + 5 * 10 + 1 = 15351.
long run(const std::string& dir) {
    fs::path root = fs::path(dir) / "xbuild_heavy";
    fs::remove_all(root);
    fs::create_directories(root / "a" / "b");
    for (int i = 0; i < 5; ++i)
        std::ofstream(root / "a" / ("f" + std::to_string(i) + ".txt")) << "alpha beta gamma " << i << "\n";
    std::atomic<int> words{0}, caught{0};
    std::mutex lock;
    std::map<std::string, std::uintmax_t> sizes;
    std::vector<std::thread> threads;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) continue;
        threads.emplace_back([&, path = entry.path()] {
            std::ifstream in(path);
            std::stringstream text;
            text << in.rdbuf();
            words += count_words(text.str());
            std::lock_guard<std::mutex> guard(lock);
            sizes[path.filename().string()] = fs::file_size(path);
        });
    }
    for (auto& thread : threads) thread.join();
    std::function<void(int)> call = may_throw;
    for (int i = 0; i < 20; ++i) {
        try {
            call(i);
        } catch (const Boom&) {
            ++caught;
        }
    }
    auto values = std::make_shared<std::vector<double>>(100, 2.0);
    double sum = 0;
    for (double v : *values) sum += std::sqrt(v);
    fs::remove_all(root);
    return words * 1000L + caught * 100L + static_cast<long>(sizes.size()) * 10L + (sum > 141 && sum < 142);
}

PyObject* heavy_run(PyObject*, PyObject* args) {
    const char* dir = nullptr;
    if (!PyArg_ParseTuple(args, "s", &dir)) return nullptr;
    try {
        return PyLong_FromLong(run(dir));
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_RuntimeError, error.what());
        return nullptr;
    }
}

PyMethodDef methods[] = {{"run", heavy_run, METH_VARARGS, "Exercise the C++ standard library in DIR."},
                         {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_heavy", nullptr, -1, methods, nullptr, nullptr, nullptr, nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__heavy() {
    return PyModule_Create(&module);
}
