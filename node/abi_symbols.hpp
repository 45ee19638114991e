#pragma once
// Whether a built .node file is a Node-API addon, read from what it leaves for the process that
// loads it to provide: its undefined dynamic symbols. Node-API (napi_*, node_api_*) and libuv's
// public API (uv_*; libuv 1.x keeps its ABI across Node versions, and Node-API hands out the loop
// through napi_get_uv_event_loop) load in every Node; so do symbols of the libraries the file
// needs (versioned ones like memcpy@GLIBC_2.14 name their library; unversioned ones must be
// defined by a needed library) and weak ones. V8's and node::'s C++ symbols (NAN's show as those)
// and anything else only the Node binary could provide tie the file to one Node ABI (--abi).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/elf/elf_file.hpp"

namespace xbuild::node {

// Where an undefined symbol is meant to come from.
enum class SymbolSource {
    node_api,  // napi_*, node_api_*
    libuv,     // uv_* (not libuv's internal uv__*)
    v8,        // V8's C++ API: _ZN2v8..., its vtables and typeinfo
    node_cxx,  // node::'s C++ API: _ZN4node...
    library,   // versioned (the library defining the version gives it) or weak (may stay unresolved)
    other,     // unversioned: a needed library must define it, else only the Node binary can
};

SymbolSource symbol_source(const elf::Symbol& symbol);

// The undefined symbols of info that tie it to one Node ABI, in table order: V8's and node::'s,
// and the `other` ones that defined_by_needed (the names the libraries it needs define) lacks.
std::vector<std::string> node_abi_symbols(const elf::ElfInfo& info,
                                          const std::function<bool(const std::string&)>& defined_by_needed);

// "v8::Isolate::GetCurrent() (_ZN2v87Isolate10GetCurrentEv)"; a C name as it is.
std::string describe_symbol(const std::string& name);

// Throws Error, one line, "<label>: <file> needs <the first symbol of node_abi_symbols> ...", saying
// to build with --abi or port to Node-API, unless info is a Node-API addon.
void require_node_api(const elf::ElfInfo& info, std::string_view label, std::string_view file,
                      const std::function<bool(const std::string&)>& defined_by_needed);

}  // namespace xbuild::node
