#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "builder/core/arch.hpp"
#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/elf/elf_file.hpp"
#include "python/policy.hpp"

using namespace xbuild;
using namespace xbuild::python;
namespace stdfs = std::filesystem;

namespace {

const PolicySet& policies() {
    static const PolicySet set = PolicySet::load_default();
    return set;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// A synthetic extension for arch: needed libraries, and versioned undefined symbols
// "memcpy@GLIBC_2.14" taken from library (the version needs follow from them).
elf::ElfInfo extension(std::string_view arch, std::vector<std::string> needed,
                       const std::vector<std::pair<std::string, std::string>>& symbols_by_library) {
    elf::ElfInfo info;
    info.elf_class = 64;
    info.machine = arch_from_name(arch).elf_machine;
    info.type = elf::et_dyn;
    info.needed = std::move(needed);
    for (const auto& [library, symbol] : symbols_by_library) {
        auto at = symbol.find('@');
        std::string version = at == std::string::npos ? "" : symbol.substr(at + 1);
        info.dynamic_symbols.push_back({symbol.substr(0, at), version, false});
        if (version.empty()) continue;
        auto need = std::find_if(info.version_needs.begin(), info.version_needs.end(),
                                 [&](const elf::VersionNeed& n) { return n.file == library; });
        if (need == info.version_needs.end()) {
            info.version_needs.push_back({library, {}});
            need = info.version_needs.end() - 1;
        }
        if (!contains(need->versions, version)) need->versions.push_back(version);
    }
    return info;
}

// The policy for one extension that needs the given versioned symbols from library.
std::string policy_for(std::string_view arch, const std::string& library,
                       const std::vector<std::string>& symbols) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const std::string& symbol : symbols) pairs.emplace_back(library, symbol);
    return policies().evaluate(arch, {{"ext.so", extension(arch, {library}, pairs)}}).policy;
}

std::vector<std::string> whats(const std::vector<Violation>& violations) {
    std::vector<std::string> result;
    for (const Violation& violation : violations) result.push_back(violation.file + ": " + violation.what);
    return result;
}

}  // namespace

TEST_SUITE("policy") {
    TEST_CASE("policies per architecture") {
        auto x86_64 = policies().names("x86_64");
        CHECK(x86_64.front() == "manylinux_2_5");
        CHECK(contains(x86_64, "manylinux_2_41"));
        CHECK(x86_64.back() == "manylinux_2_43");
        CHECK(policies().names("aarch64").front() == "manylinux_2_17");
        CHECK(policies().names("arm64") == policies().names("aarch64"));
        CHECK(policies().names("i686").front() == "manylinux_2_5");
        CHECK(policies().names("armv7l").front() == "manylinux_2_17");
        CHECK(policies().names("ppc64le").front() == "manylinux_2_17");
        CHECK(policies().names("s390x").front() == "manylinux_2_17");
        CHECK(policies().names("riscv64").front() == "manylinux_2_31");
        CHECK_THROWS_WITH_AS(policies().names("sparc64"), doctest::Contains("unknown architecture 'sparc64'"),
                             Error);
        CHECK_THROWS_AS(policies().evaluate("mips", {}), Error);
    }

    TEST_CASE("GLIBC_2.2.5 and GLIBC_2.14 on x86_64: manylinux_2_17, blocked below by memcpy") {
        auto ext = extension("x86_64", {"libc.so.6"},
                             {{"libc.so.6", "memcpy@GLIBC_2.14"}, {"libc.so.6", "malloc@GLIBC_2.2.5"}});
        Evaluation evaluation = policies().evaluate("x86_64", {{"pkg/_ext.so", ext}});
        CHECK(evaluation.policy == "manylinux_2_17");
        CHECK(evaluation.platform_tag == "manylinux_2_17_x86_64.manylinux2014_x86_64");
        CHECK(evaluation.external_libraries.empty());
        // manylinux_2_5 allows GLIBC up to 2.5 and manylinux_2_12 up to 2.12 on x86_64.
        const std::vector<std::string> memcpy_blocks{
            "pkg/_ext.so: needs GLIBC_2.14 (symbol memcpy@GLIBC_2.14)"};
        CHECK(whats(evaluation.blockers_for("manylinux_2_5")) == memcpy_blocks);
        CHECK(whats(evaluation.blockers_for("manylinux_2_12")) == memcpy_blocks);
        CHECK(whats(evaluation.blockers_for("manylinux2010")) == memcpy_blocks);
        CHECK(evaluation.blockers_for("manylinux_2_17").empty());
        CHECK(evaluation.blockers_for("manylinux_2_34").empty());
        CHECK_THROWS_WITH_AS(evaluation.blockers_for("manylinux_2_99"),
                             doctest::Contains("unknown manylinux policy"), Error);
        REQUIRE(evaluation.files.size() == 1);
        CHECK(evaluation.files[0].policy == "manylinux_2_17");
        CHECK(evaluation.files[0].limiting ==
              std::vector<std::string>{"needs GLIBC_2.14 (symbol memcpy@GLIBC_2.14)"});
        CHECK(evaluation.files[0].newest_versions == std::vector<std::string>{"GLIBC_2.14"});
    }

    TEST_CASE("aarch64 policies start at manylinux_2_17") {
        auto ext = extension("aarch64", {"libc.so.6"}, {{"libc.so.6", "memcpy@GLIBC_2.17"}});
        Evaluation evaluation = policies().evaluate("arm64", {{"ext.so", ext}});
        CHECK(evaluation.arch == "aarch64");
        CHECK(evaluation.policy == "manylinux_2_17");
        CHECK(evaluation.platform_tag == "manylinux_2_17_aarch64.manylinux2014_aarch64");
        CHECK(evaluation.files[0].limiting.empty());
        CHECK_THROWS_AS(evaluation.blockers_for("manylinux_2_5"), Error);
    }

    TEST_CASE("the newest version of each namespace sets the floor") {
        // GLIBCXX_3.4.30 (GCC 12) first appears in manylinux_2_35 on x86_64 and aarch64.
        CHECK(policy_for("x86_64", "libstdc++.so.6", {"_ZSt4cout@GLIBCXX_3.4.30"}) == "manylinux_2_35");
        CHECK(policy_for("aarch64", "libstdc++.so.6", {"_ZSt4cout@GLIBCXX_3.4.30"}) == "manylinux_2_35");
        CHECK(policy_for("x86_64", "libstdc++.so.6", {"_ZSt4cout@GLIBCXX_3.4.29"}) == "manylinux_2_34");
        CHECK(policy_for("x86_64", "libc.so.6", {"memcpy@GLIBC_2.14", "dlopen@GLIBC_2.34"}) ==
              "manylinux_2_34");
        CHECK(policy_for("x86_64", "libc.so.6", {"malloc@GLIBC_2.2.5"}) == "manylinux_2_5");
        CHECK(policy_for("i686", "libc.so.6", {"malloc@GLIBC_2.0"}) == "manylinux_2_5");
        CHECK(policy_for("riscv64", "libc.so.6", {"malloc@GLIBC_2.27"}) == "manylinux_2_31");
        CHECK(policy_for("x86_64", "libgcc_s.so.1", {"_Unwind_Resume@GCC_7.0.0"}) == "manylinux_2_27");
        CHECK(policy_for("x86_64", "libstdc++.so.6", {"__cxa_throw@CXXABI_1.3.13"}) == "manylinux_2_34");
        // auditwheel's data has quirks that a plain "glibc version" rule would miss:
        CHECK(policy_for("aarch64", "libc.so.6", {"x@GLIBC_2.18"}) == "manylinux_2_17");
        CHECK(policy_for("x86_64", "libatomic.so.1", {"x@LIBATOMIC_1.0"}) == "manylinux_2_24");
        CHECK(policy_for("i686", "libatomic.so.1", {"x@LIBATOMIC_1.0"}) == "manylinux_2_17");
        CHECK(policy_for("x86_64", "libz.so.1", {"inflate@ZLIB_1.2.12"}) == "manylinux_2_37");
        CHECK(policy_for("i686", "libz.so.1", {"inflate@ZLIB_1.2.12"}) == "manylinux_2_36");
        CHECK(policy_for("x86_64", "libz.so.1", {"inflate@ZLIB_1.2.9"}) == "manylinux_2_27");
        CHECK(policy_for("riscv64", "libc.so.6", {"x@GLIBC_ABI_DT_RELR"}) == "manylinux_2_38");
        CHECK(policy_for("x86_64", "libc.so.6", {"x@GLIBC_ABI_DT_RELR"}) == "manylinux_2_36");
        CHECK(policy_for("x86_64", "libstdc++.so.6", {"x@CXXABI_FLOAT128"}) == "manylinux_2_24");
        CHECK(policy_for("aarch64", "libstdc++.so.6", {"x@CXXABI_FLOAT128"}).empty());
        CHECK(policy_for("ppc64le", "libstdc++.so.6", {"x@GLIBCXX_LDBL_3.4.21"}) == "manylinux_2_24");
        CHECK(policy_for("ppc64le", "libstdc++.so.6", {"x@GLIBCXX_IEEE128_3.4.30"}) == "manylinux_2_35");
        // Compared by number, not looked up: x86_64 glibc has no GLIBC_2.37 symbols.
        CHECK(policy_for("x86_64", "libc.so.6", {"x@GLIBC_2.37"}) == "manylinux_2_38");
        CHECK(policy_for("x86_64", "libc.so.6", {"x@GLIBC_2.99"}).empty());
    }

    TEST_CASE("namespaces of non-system libraries and the dynamic loader do not constrain") {
        auto ext = extension("x86_64", {"libssl.so.3", "libc.so.6", "ld-linux-x86-64.so.2"},
                             {{"libssl.so.3", "SSL_new@OPENSSL_3.0.0"},
                              {"libc.so.6", "malloc@GLIBC_2.2.5"},
                              {"ld-linux-x86-64.so.2", "_rtld_global@GLIBC_PRIVATE"}});
        Evaluation evaluation = policies().evaluate("x86_64", {{"ext.so", ext}});
        CHECK(evaluation.policy == "manylinux_2_5");
        CHECK(evaluation.platform_tag == "manylinux_2_5_x86_64.manylinux1_x86_64");
        CHECK(evaluation.external_libraries == std::vector<std::string>{"libssl.so.3"});
        // GLIBC_PRIVATE from libc itself fits no policy.
        CHECK(policy_for("x86_64", "libc.so.6", {"x@GLIBC_PRIVATE"}).empty());
    }

    TEST_CASE("linking libpython blocks every policy") {
        auto ext =
            extension("x86_64", {"libpython3.13.so.1.0", "libc.so.6"}, {{"libc.so.6", "malloc@GLIBC_2.2.5"}});
        Evaluation evaluation = policies().evaluate("x86_64", {{"ext.so", ext}});
        CHECK(evaluation.policy.empty());
        CHECK(evaluation.platform_tag == "linux_x86_64");
        CHECK(evaluation.external_libraries.empty());
        for (const std::string& policy : evaluation.policies)
            CHECK(whats(evaluation.blockers_for(policy)) ==
                  std::vector<std::string>{"ext.so: libpython3.13.so.1.0 must not be linked"});
        CHECK(evaluation.files[0].limiting ==
              std::vector<std::string>{"libpython3.13.so.1.0 must not be linked"});
    }

    TEST_CASE("libraries outside the policy are external unless the wheel brings them") {
        auto ext =
            extension("x86_64", {"libyaml-0.so.2", "libfoo.so.1", "libm.so.6", "libz.so.1", "libc.so.6"},
                      {{"libc.so.6", "malloc@GLIBC_2.2.5"}});
        auto foo = extension("x86_64", {"libc.so.6", "libbar.so.2"}, {});
        foo.soname = "libfoo.so.1";
        Evaluation evaluation =
            policies().evaluate("x86_64", {{"pkg/_yaml.so", ext}, {"pkg.libs/libfoo-1a2b.so.1", foo}});
        CHECK(evaluation.policy == "manylinux_2_5");
        CHECK(evaluation.external_libraries == std::vector<std::string>{"libbar.so.2", "libyaml-0.so.2"});
    }

    TEST_CASE("forbidden symbols of allowed libraries") {
        auto ext =
            extension("x86_64", {"libc.so.6"},
                      {{"libc.so.6", "malloc@GLIBC_2.2.5"}, {"libc.so.6", "__cxa_thread_atexit_impl"}});
        Evaluation evaluation = policies().evaluate("x86_64", {{"ext.so", ext}});
        CHECK(evaluation.policy == "manylinux_2_24");
        CHECK(whats(evaluation.blockers_for("manylinux2014")) ==
              std::vector<std::string>{
                  "ext.so: uses __cxa_thread_atexit_impl from libc.so.6, which manylinux_2_17 forbids"});
    }

    TEST_CASE("an ELF for another machine fits no policy") {
        auto ext = extension("aarch64", {"libc.so.6"}, {{"libc.so.6", "malloc@GLIBC_2.17"}});
        Evaluation evaluation = policies().evaluate("x86_64", {{"ext.so", ext}});
        CHECK(evaluation.policy.empty());
        CHECK(whats(evaluation.blockers_for("manylinux_2_43")) ==
              std::vector<std::string>{"ext.so: is built for e_machine 183, not x86_64 (62)"});
    }

    TEST_CASE("allowed libraries grow with the policies") {
        auto manylinux1 = policies().allowed_libraries("manylinux1");
        CHECK(contains(manylinux1, "libc.so.6"));
        CHECK(contains(manylinux1, "libstdc++.so.6"));
        CHECK(contains(manylinux1, "libgcc_s.so.1"));
        CHECK(contains(manylinux1, "libz.so.1"));
        CHECK_FALSE(contains(manylinux1, "libexpat.so.1"));
        auto manylinux2014 = policies().allowed_libraries("manylinux_2_17");
        CHECK(contains(manylinux2014, "libexpat.so.1"));
        CHECK_FALSE(contains(manylinux2014, "libmvec.so.1"));
        CHECK(contains(policies().allowed_libraries("manylinux_2_24"), "libmvec.so.1"));
        CHECK(policies().allowed_libraries("manylinux_2_43").size() == 24);
        CHECK_THROWS_AS(policies().allowed_libraries("manylinux_3_0"), Error);
    }

    TEST_CASE("platform tags") {
        CHECK(platform_tag_for("manylinux_2_17", "aarch64") ==
              "manylinux_2_17_aarch64.manylinux2014_aarch64");
        CHECK(platform_tag_for("manylinux2014", "arm64") == "manylinux_2_17_aarch64.manylinux2014_aarch64");
        CHECK(platform_tag_for("manylinux1", "i686") == "manylinux_2_5_i686.manylinux1_i686");
        CHECK(platform_tag_for("manylinux_2_12", "amd64") == "manylinux_2_12_x86_64.manylinux2010_x86_64");
        CHECK(platform_tag_for("manylinux_2_28", "x86_64") == "manylinux_2_28_x86_64");
        CHECK(platform_tag_for("manylinux_2_31", "armhf") == "manylinux_2_31_armv7l");
        CHECK(platform_tag_for("", "ppc64el") == "linux_ppc64le");
        CHECK_THROWS_AS(platform_tag_for("musllinux_1_2", "x86_64"), Error);
        CHECK_THROWS_AS(platform_tag_for("manylinux_2_17", "sparc"), Error);
        // The evaluation's tag is the same, from the policy file's aliases.
        for (const Arch& arch : all_archs()) {
            auto evaluation = policies().evaluate(arch.uname, {{"ext.so", extension(arch.uname, {}, {})}});
            CHECK(evaluation.policy == policies().names(arch.uname).front());
            CHECK(platform_tag_for(evaluation.policy, arch.uname) == evaluation.platform_tag);
        }
    }

    TEST_CASE("real ELF files") {
        auto libz = elf::read_elf("/usr/lib/x86_64-linux-gnu/libz.so.1");
        Evaluation evaluation = policies().evaluate("x86_64", {{"libz.so.1", libz}});
        // Debian 12's libz needs GLIBC_2.14 (memcpy) at most.
        CHECK(evaluation.policy == "manylinux_2_17");
        CHECK(evaluation.platform_tag == "manylinux_2_17_x86_64.manylinux2014_x86_64");
        CHECK(evaluation.external_libraries.empty());
        CHECK(evaluation.files[0].newest_versions == std::vector<std::string>{"GLIBC_2.14"});
        CHECK(whats(evaluation.blockers_for("manylinux_2_12")) ==
              std::vector<std::string>{"libz.so.1: needs GLIBC_2.14 (symbol memcpy@GLIBC_2.14)"});

        auto cxx = elf::read_elf("/usr/aarch64-linux-gnu/lib/libstdc++.so.6");
        Evaluation arm = policies().evaluate("aarch64", {{"libstdc++.so.6", cxx}});
        // Debian 12's aarch64 libstdc++ needs GLIBC_2.36 from libc.
        CHECK(arm.policy == "manylinux_2_36");
        CHECK(arm.external_libraries.empty());
        CHECK(contains(arm.files[0].newest_versions, "GLIBC_2.36"));
        CHECK(policies().evaluate("x86_64", {{"libstdc++.so.6", cxx}}).policy.empty());
    }

    TEST_CASE("malformed policy files") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-policy-test-");
        auto write = [&](const std::string& text) {
            auto path = dir.path() / "policy.json";
            fs::write_file_atomic(path, text);
            return path;
        };
        const std::string minimal_tail =
            R"("libraries": {}, "forbidden_symbols": [], "architectures": {"x86_64": "2.5"},)"
            R"("symbol_versions": {"x86_64": {"GLIBC": {"2.5": "2.5"}}}})";
        CHECK_NOTHROW(PolicySet::load(write(R"({"policies": [{"glibc": "2.5"}], )" + minimal_tail)));
        CHECK_THROWS_WITH_AS(PolicySet::load(write("{not json")),
                             doctest::Contains("policy.json: invalid JSON"), Error);
        CHECK_THROWS_WITH_AS(PolicySet::load(write(R"({"policies": []})")), doctest::Contains("policy.json"),
                             Error);
        CHECK_THROWS_WITH_AS(
            PolicySet::load(write(R"({"policies": [{"glibc": "2.17"}, {"glibc": "2.5"}], )" + minimal_tail)),
            doctest::Contains("oldest glibc first"), Error);
        CHECK_THROWS_WITH_AS(
            PolicySet::load(write(R"({"policies": [{"glibc": "2.5"}], "libraries": {"2.99": "libc.so.6"}})")),
            doctest::Contains("names glibc '2.99', which is no policy"), Error);
        CHECK_THROWS_WITH_AS(
            PolicySet::load(write(R"({"policies": [{"glibc": "2.5"}], "libraries": {}, )"
                                  R"("forbidden_symbols": [], "architectures": {"x86_64": "2.5"},)"
                                  R"("symbol_versions": {"x86_64": {"GLIBC": {"2.5": "2.5 2.5"}}}})")),
            doctest::Contains("x86_64 GLIBC lists 2.5 twice"), Error);
        CHECK_THROWS_AS(PolicySet::load(dir.path() / "missing.json"), Error);
    }
}
