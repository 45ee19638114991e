#include "node/abi_symbols.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "builder/core/error.hpp"

namespace xbuild::node {

namespace {

// The outermost namespace of a mangled C++ name: "v8" for _ZN2v87Isolate10GetCurrentEv, also
// for const members (_ZNK2v8...), vtables (_ZTVN2v8...), typeinfo (_ZTIN, _ZTSN) and guard
// variables (_ZGVN); "" for anything else.
std::string_view outer_namespace(std::string_view name) {
    if (!name.starts_with("_Z")) return {};
    name.remove_prefix(2);
    for (std::string_view special : {"TV", "TI", "TS", "GV"})
        if (name.starts_with(special)) {
            name.remove_prefix(2);
            break;
        }
    if (!name.starts_with('N')) return {};
    name.remove_prefix(1);
    while (!name.empty() && std::string_view("rVKRO").find(name.front()) != std::string_view::npos)
        name.remove_prefix(1);  // CV- and ref-qualifiers of a member function
    // <source-name> ::= <length> <identifier>
    std::size_t digits = 0, length = 0;
    while (digits < name.size() && digits < 4 && name[digits] >= '0' && name[digits] <= '9')
        length = length * 10 + static_cast<std::size_t>(name[digits++] - '0');
    if (digits == 0 || length > name.size() - digits) return {};
    return name.substr(digits, length);
}

}  // namespace

SymbolSource symbol_source(const elf::Symbol& symbol) {
    const std::string_view name = symbol.name;
    const std::string_view outer = outer_namespace(name);
    if (outer == "v8") return SymbolSource::v8;
    if (outer == "node") return SymbolSource::node_cxx;
    if (name.starts_with("napi_") || name.starts_with("node_api_")) return SymbolSource::node_api;
    if (name.starts_with("uv_") && !name.starts_with("uv__")) return SymbolSource::libuv;
    if (!symbol.version.empty() || symbol.weak) return SymbolSource::library;
    return SymbolSource::other;
}

std::vector<std::string> node_abi_symbols(const elf::ElfInfo& info,
                                          const std::function<bool(const std::string&)>& defined_by_needed) {
    std::vector<std::string> found;
    for (const elf::Symbol& symbol : info.dynamic_symbols) {
        if (symbol.defined) continue;
        switch (symbol_source(symbol)) {
            case SymbolSource::v8:
            case SymbolSource::node_cxx:
                found.push_back(symbol.name);
                break;
            case SymbolSource::other:
                if (!defined_by_needed(symbol.name)) found.push_back(symbol.name);
                break;
            default:
                break;
        }
    }
    return found;
}

std::string describe_symbol(const std::string& name) {
    if (!name.starts_with("_Z")) return name;
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> demangled(
        abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
    if (status != 0 || !demangled) return name;
    return fmt::format("{} ({})", demangled.get(), name);
}

void require_node_api(const elf::ElfInfo& info, std::string_view label, std::string_view file,
                      const std::function<bool(const std::string&)>& defined_by_needed) {
    const std::vector<std::string> symbols = node_abi_symbols(info, defined_by_needed);
    if (symbols.empty()) return;
    const std::string& first = symbols.front();
    std::string what;
    switch (symbol_source({first, "", false, false})) {
        case SymbolSource::v8:
            what = "the V8 symbol " + describe_symbol(first);
            break;
        case SymbolSource::node_cxx:
            what = "the node:: symbol " + describe_symbol(first);
            break;
        default:
            what = describe_symbol(first) + ", which no library it links defines (only a Node binary would)";
            break;
    }
    fail(
        "{}: {} needs {}{}: only Node-API and libuv are ABI-stable across Node versions (V8, NAN and node:: "
        "are not), so this prebuild would load in one Node only; build it for the suite's Node ABI with "
        "--abi, or port it to Node-API",
        label, file, what,
        symbols.size() > 1 ? fmt::format(" (and {} more symbols outside Node-API)", symbols.size() - 1) : "");
}

}  // namespace xbuild::node
