// xbuild's Node sample: a node-addon-api addon built with C++ exceptions enabled
// (NODE_ADDON_API_CPP_EXCEPTIONS, _ALL: any std::exception too), so C++ throws reach JavaScript
// as exceptions.
#include <napi.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

// Lower-cased words of text: runs of letters, digits and apostrophes.
std::vector<std::string> Words(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '\'') {
            word += static_cast<char>(std::tolower(u));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

std::string TextArgument(const Napi::CallbackInfo& info, size_t index) {
    if (info.Length() <= index || !info[index].IsString())
        throw Napi::TypeError::New(info.Env(), "expected a string as argument " + std::to_string(index + 1));
    return info[index].As<Napi::String>().Utf8Value();
}

// wordCounts(text) -> { word: count }
Napi::Value WordCounts(const Napi::CallbackInfo& info) {
    std::map<std::string, uint32_t> counts;
    for (const std::string& word : Words(TextArgument(info, 0))) ++counts[word];
    Napi::Object result = Napi::Object::New(info.Env());
    for (const auto& [word, count] : counts) result.Set(word, count);
    return result;
}

// topWords(text, n) -> [[word, count], ...], most frequent first, ties alphabetical.
Napi::Value TopWords(const Napi::CallbackInfo& info) {
    std::string text = TextArgument(info, 0);
    if (info.Length() < 2 || !info[1].IsNumber())
        throw Napi::TypeError::New(info.Env(), "expected a number as argument 2");
    int64_t n = info[1].As<Napi::Number>().Int64Value();
    if (n < 0) throw std::invalid_argument("n must not be negative");
    std::map<std::string, uint32_t> counts;
    for (const std::string& word : Words(text)) ++counts[word];
    std::vector<std::pair<std::string, uint32_t>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (sorted.size() > static_cast<size_t>(n)) sorted.resize(static_cast<size_t>(n));
    Napi::Array result = Napi::Array::New(info.Env(), sorted.size());
    for (size_t i = 0; i < sorted.size(); ++i) {
        Napi::Array pair = Napi::Array::New(info.Env(), 2);
        pair.Set(0u, sorted[i].first);
        pair.Set(1u, sorted[i].second);
        result.Set(static_cast<uint32_t>(i), pair);
    }
    return result;
}

// crc32(buffer) -> unsigned 32-bit CRC (IEEE 802.3, as zlib computes it).
Napi::Value Crc32(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsBuffer())
        throw Napi::TypeError::New(info.Env(), "expected a Buffer as argument 1");
    auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < buffer.Length(); ++i) {
        crc ^= buffer.Data()[i];
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return Napi::Number::New(info.Env(), static_cast<double>(crc ^ 0xffffffffu));
}

// The architecture this file was compiled for, in Node's names (process.arch).
const char* CompiledFor() {
#if defined(__x86_64__)
    return "x64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__arm__)
    return "arm";
#elif defined(__i386__)
    return "ia32";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#elif defined(__powerpc64__)
    return "ppc64";
#elif defined(__s390x__)
    return "s390x";
#else
    return "unknown";
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("wordCounts", Napi::Function::New(env, WordCounts));
    exports.Set("topWords", Napi::Function::New(env, TopWords));
    exports.Set("crc32", Napi::Function::New(env, Crc32));
    exports.Set("compiledFor", Napi::String::New(env, CompiledFor()));
    exports.Set("compiler", Napi::String::New(env, "gcc " __VERSION__));
    return exports;
}

}  // namespace

NODE_API_MODULE(xbuild_napi_sample, Init)
