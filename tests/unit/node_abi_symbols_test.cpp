#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/elf/elf_file.hpp"
#include "node/abi_symbols.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::node;
using xbuild::test::contains;
using Strings = std::vector<std::string>;

namespace {

elf::Symbol undefined(std::string name, std::string version = "", bool weak = false) {
    return {std::move(name), std::move(version), false, weak};
}

elf::ElfInfo with_symbols(std::vector<elf::Symbol> symbols) {
    elf::ElfInfo info;
    info.dynamic_symbols = std::move(symbols);
    return info;
}

// What a Node-API addon using libuv through napi_get_uv_event_loop leaves undefined (as
// fs-native-extensions 1.2.7 built for x64), plus its own definitions and crt's weak references.
std::vector<elf::Symbol> napi_and_uv() {
    return {undefined("napi_get_uv_event_loop"),
            undefined("napi_create_reference"),
            undefined("napi_module_register"),
            undefined("node_api_symbol_for"),
            undefined("uv_queue_work"),
            undefined("uv_err_name"),
            undefined("uv_translate_sys_error"),
            undefined("fcntl64", "GLIBC_2.28"),
            undefined("__stack_chk_fail", "GLIBC_2.4"),
            undefined("_ZdlPvm", "CXXABI_1.3.9"),
            undefined("__gxx_personality_v0", "CXXABI_1.3"),
            undefined("_Unwind_Resume", "GCC_3.0"),
            undefined("_ZNSt6chrono3_V212system_clock3nowEv", "GLIBCXX_3.4.19"),
            undefined("__cxa_finalize", "GLIBC_2.2.5", true),
            undefined("__gmon_start__", "", true),
            undefined("_ITM_registerTMCloneTable", "", true),
            {"napi_register_module_v1", "", true, false},
            {"fs_ext_try_lock", "", true, false}};
}

const auto nothing_defined = [](const std::string&) { return false; };

}  // namespace

TEST_SUITE("node abi symbols") {
    TEST_CASE("where an undefined symbol comes from") {
        CHECK(symbol_source(undefined("napi_create_object")) == SymbolSource::node_api);
        CHECK(symbol_source(undefined("node_api_get_module_file_name")) == SymbolSource::node_api);
        CHECK(symbol_source(undefined("uv_default_loop")) == SymbolSource::libuv);
        CHECK(symbol_source(undefined("uv__io_start")) == SymbolSource::other);  // libuv's internals
        CHECK(symbol_source(undefined("_ZN2v87Isolate10GetCurrentEv")) == SymbolSource::v8);
        CHECK(symbol_source(undefined("_ZNK2v85Value8IsObjectEv")) == SymbolSource::v8);
        CHECK(symbol_source(undefined("_ZTVN2v819ArrayBufferAllocatorE")) == SymbolSource::v8);
        CHECK(symbol_source(undefined("_ZTIN2v819ArrayBufferAllocatorE")) == SymbolSource::v8);
        CHECK(symbol_source(undefined("_ZN2v88internal21GlobalBackingStoreRegistry8RegisterEv")) ==
              SymbolSource::v8);
        CHECK(symbol_source(undefined("_ZN4node6Buffer4DataEN2v85LocalINS1_5ValueEEE")) ==
              SymbolSource::node_cxx);
        CHECK(symbol_source(undefined("_ZN4node14ObjectWrap4WrapEv", "", true)) == SymbolSource::node_cxx);
        // Other namespaces whose names start alike, and V8 types only as parameters.
        CHECK(symbol_source(undefined("_ZN5nodes4openEv")) == SymbolSource::other);
        CHECK(symbol_source(undefined("_ZN3v8x4initEv")) == SymbolSource::other);
        CHECK(symbol_source(undefined("_ZN24node_helpers_and_thing3runEv")) == SymbolSource::other);
        CHECK(symbol_source(undefined("_Z4wrapN2v85LocalINS_5ValueEEE")) == SymbolSource::other);
        CHECK(symbol_source(undefined("_ZN")) == SymbolSource::other);
        CHECK(symbol_source(undefined("_ZN99v8")) == SymbolSource::other);
        CHECK(symbol_source(undefined("memcpy", "GLIBC_2.14")) == SymbolSource::library);
        CHECK(symbol_source(undefined("__gmon_start__", "", true)) == SymbolSource::library);
        CHECK(symbol_source(undefined("node_module_register")) == SymbolSource::other);
    }

    TEST_CASE("Node-API and libuv with system symbols: a Node-API addon") {
        elf::ElfInfo info = with_symbols(napi_and_uv());
        int asked = 0;
        auto count_asks = [&](const std::string&) {
            ++asked;
            return false;
        };
        CHECK(node_abi_symbols(info, count_asks).empty());
        CHECK(asked == 0);  // every symbol was placed by its name, version or binding
        CHECK_NOTHROW(require_node_api(info, "label", "build/Release/fs_ext.node", count_asks));
    }

    TEST_CASE("V8 or node:: symbols: refused, naming the file and the first symbol") {
        auto symbols = napi_and_uv();
        symbols.push_back(undefined("_ZN2v87Isolate10GetCurrentEv"));
        symbols.push_back(undefined("_ZN4node6Buffer6LengthEN2v85LocalINS1_5ValueEEE"));
        symbols.push_back(undefined("node_module_register"));
        elf::ElfInfo info = with_symbols(symbols);
        CHECK(node_abi_symbols(info, nothing_defined) ==
              Strings{"_ZN2v87Isolate10GetCurrentEv", "_ZN4node6Buffer6LengthEN2v85LocalINS1_5ValueEEE",
                      "node_module_register"});
        CHECK_THROWS_WITH_AS(
            require_node_api(info, "prebuilds/linux-x64/legacy.napi.glibc.node", "build/Release/legacy.node",
                             nothing_defined),
            contains(
                "prebuilds/linux-x64/legacy.napi.glibc.node: build/Release/legacy.node needs the V8 symbol "
                "v8::Isolate::GetCurrent() (_ZN2v87Isolate10GetCurrentEv) (and 2 more symbols outside "
                "Node-API): only Node-API and libuv are ABI-stable across Node versions"),
            Error);
        CHECK_THROWS_WITH_AS(require_node_api(info, "l", "f", nothing_defined),
                             contains("build it for the suite's Node ABI with --abi, or port it to Node-API"),
                             Error);

        elf::ElfInfo node_only = with_symbols(
            {undefined("napi_create_object"), undefined("_ZN4node6Buffer6LengthEN2v85LocalINS1_5ValueEEE")});
        CHECK_THROWS_WITH_AS(require_node_api(node_only, "l", "build/Release/b.node", nothing_defined),
                             contains("l: build/Release/b.node needs the node:: symbol "
                                      "node::Buffer::Length(v8::Local<v8::Value>) "
                                      "(_ZN4node6Buffer6LengthEN2v85LocalINS1_5ValueEEE): only"),
                             Error);
    }

    TEST_CASE("an unversioned symbol: fine when a needed library defines it, else left to Node") {
        elf::ElfInfo info = with_symbols(
            {undefined("napi_create_object"), undefined("sodium_init"), undefined("node_module_register")});
        const std::set<std::string> libsodium{"sodium_init", "crypto_box"};
        auto from_libsodium = [&](const std::string& name) { return libsodium.count(name) > 0; };
        CHECK(node_abi_symbols(info, from_libsodium) == Strings{"node_module_register"});
        CHECK_THROWS_WITH_AS(
            require_node_api(info, "l", "build/Release/s.node", from_libsodium),
            contains("l: build/Release/s.node needs node_module_register, which no library it links defines "
                     "(only a Node binary would): only Node-API"),
            Error);
        CHECK_NOTHROW(require_node_api(info, "l", "f", [](const std::string&) { return true; }));
        // V8 stays refused even where a library would define it.
        elf::ElfInfo v8 = with_symbols({undefined("_ZNK2v85Value8IsObjectEv")});
        CHECK_THROWS_WITH_AS(require_node_api(v8, "l", "f", [](const std::string&) { return true; }),
                             contains("needs the V8 symbol v8::Value::IsObject() const"), Error);
    }

    TEST_CASE("describing a symbol") {
        CHECK(describe_symbol("_ZN2v87Isolate10GetCurrentEv") ==
              "v8::Isolate::GetCurrent() (_ZN2v87Isolate10GetCurrentEv)");
        CHECK(describe_symbol("node_module_register") == "node_module_register");
        CHECK(describe_symbol("_Znot_mangled") == "_Znot_mangled");
    }
}
