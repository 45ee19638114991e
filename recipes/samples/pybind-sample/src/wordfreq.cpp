// xbuild_pybind_sample._core: word frequencies and small statistics over the C++ standard library.
// std::invalid_argument becomes ValueError and std::out_of_range becomes IndexError (pybind11's
// built-in exception translation), so the self-test also checks that C++ exceptions unwind
// correctly through the cross-compiled module.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cctype>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

// Lower-case ASCII words: runs of letters, digits, '_' and '\''.
std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '_' || c == '\'' || c >= 0x80) {
            word.push_back(static_cast<char>(c < 0x80 ? std::tolower(c) : c));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

std::unordered_map<std::string, long> word_counts(const std::string& text) {
    std::unordered_map<std::string, long> counts;
    for (auto& word : split_words(text)) ++counts[word];
    return counts;
}

// The n most frequent words, most frequent first, ties in alphabetical order.
std::vector<std::pair<std::string, long>> top_words(const std::string& text, long n) {
    if (n < 0) throw std::invalid_argument("n must be >= 0, got " + std::to_string(n));
    auto counts = word_counts(text);
    std::vector<std::pair<std::string, long>> ranked(counts.begin(), counts.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (static_cast<size_t>(n) < ranked.size()) ranked.resize(static_cast<size_t>(n));
    return ranked;
}

std::string nth_word(const std::string& text, long index) {
    auto words = split_words(text);
    if (index < 0) index += static_cast<long>(words.size());
    if (index < 0 || static_cast<size_t>(index) >= words.size())
        throw std::out_of_range("word index out of range (text has " + std::to_string(words.size()) +
                                " words)");
    return words[static_cast<size_t>(index)];
}

double mean(const std::vector<double>& values) {
    if (values.empty()) throw std::invalid_argument("mean() of an empty sequence");
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// The architecture the module was compiled for, from the compiler's predefined macros: the
// self-test compares it with platform.machine() to prove the wheel holds target-arch code.
std::string compiled_for() {
#if defined(__aarch64__)
    return "aarch64";
#elif defined(__x86_64__)
    return "x86_64";
#elif defined(__arm__)
    return "arm";
#elif defined(__i386__)
    return "i686";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return "ppc64le";
#elif defined(__s390x__)
    return "s390x";
#else
    return "unknown";
#endif
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "xbuild pybind11 sample: word frequencies over std::unordered_map";
    m.def("word_counts", &word_counts, py::arg("text"), "Count lower-cased words in text.");
    m.def("top_words", &top_words, py::arg("text"), py::arg("n") = 3,
          "The n most frequent words as (word, count), ties alphabetical; ValueError if n < 0.");
    m.def("nth_word", &nth_word, py::arg("text"), py::arg("index"),
          "The index-th word (negative counts from the end); IndexError when out of range.");
    m.def("mean", &mean, py::arg("values"), "Arithmetic mean; ValueError on an empty sequence.");
    m.def("compiled_for", &compiled_for, "The CPU architecture this module was compiled for.");
    m.attr("__version__") = XBUILD_SAMPLE_VERSION;
    m.attr("compiler") = __VERSION__;
}
