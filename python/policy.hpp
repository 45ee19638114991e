#pragma once
// manylinux policies (PEP 600) from recipes/manylinux-policy.json, and their evaluation for the
// ELF files of a wheel, by auditwheel's rules:
// - a policy is satisfied when every symbol version that an ELF needs (DT_VERNEED, except from
//   the dynamic loader) in a namespace the policy knows (GLIBC, GLIBCXX, CXXABI, GCC,
//   LIBATOMIC, ZLIB) is allowed: listed in the policy, or numerically at most the newest listed
//   version with the same prefix (GLIBC_2.17 < GLIBC_2.34; GLIBCXX_LDBL_3.4.7 against LDBL_*).
//   Namespaces the policy does not know (OPENSSL_3.0.0, ...) belong to libraries the wheel
//   brings along and do not constrain it;
// - no ELF may use a symbol the policy forbids from an allowed library it links
//   (libc.so.6's __cxa_thread_atexit_impl before manylinux_2_24, say);
// - no ELF may link libpython (DT_NEEDED libpythonX.Y.so...), nor be built for another machine:
//   that blocks every policy.
// DT_NEEDED libraries outside the policy's allowed set are external: repair grafts them into
// the wheel (their own symbol versions then count too, so evaluate them along).
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "builder/elf/elf_file.hpp"

namespace xbuild::python {

struct Violation {
    std::string file;
    // "needs GLIBC_2.34 (symbol memcpy@GLIBC_2.34)", "libpython3.13.so.1.0 must not be linked",
    // "uses __cxa_thread_atexit_impl from libc.so.6, which manylinux_2_17 forbids"
    std::string what;
};

// One ELF on its own, like `auditwheel show`.
struct FileReport {
    std::string file;
    std::string policy;                        // the oldest policy the file satisfies; "" if none
    std::vector<std::string> limiting;         // why not the policy before it (none fits: why not the newest)
    std::vector<std::string> newest_versions;  // newest version needed per namespace: "GLIBC_2.14"
};

struct Evaluation {
    std::string arch;          // uname name: "aarch64"
    std::string policy;        // oldest policy every file satisfies ("manylinux_2_17"); "" if none
    std::string platform_tag;  // "manylinux_2_17_aarch64.manylinux2014_aarch64", else "linux_aarch64"
    std::vector<std::string> external_libraries;  // DT_NEEDED outside the policy's set, sorted unique
    std::vector<FileReport> files;                // in input order
    std::vector<std::string> policies;            // the arch's policies, oldest glibc first
    std::map<std::string, std::vector<Violation>> violations;  // policy name -> why it fails

    // Why policy (a name or a legacy alias: "manylinux2014") is impossible; empty when it is not.
    std::vector<Violation> blockers_for(const std::string& policy) const;
};

class PolicySet {
  public:
    // Reads a policy file; errors name the file and what is wrong in it.
    static PolicySet load(const std::filesystem::path& path);
    // stage::recipes_dir() / "manylinux-policy.json".
    static PolicySet load_default();

    // The policies defined for an architecture (any name arch_from_name knows), oldest first.
    std::vector<std::string> names(std::string_view arch) const;
    // The sonames a policy lets a wheel take from the system, sorted.
    std::vector<std::string> allowed_libraries(const std::string& policy) const;
    // files: (name for reports, parsed ELF). Throws for an architecture no policy covers.
    Evaluation evaluate(std::string_view arch,
                        const std::vector<std::pair<std::string, elf::ElfInfo>>& files) const;

  private:
    struct Policy {
        std::string name;                                        // manylinux_2_17
        std::vector<std::string> aliases;                        // manylinux2014
        std::set<std::string> libraries;                         // allowed sonames
        std::map<std::string, std::set<std::string>> forbidden;  // soname -> symbols
    };
    using Versions = std::map<std::string, std::vector<std::set<std::string>>>;  // namespace -> per policy

    const Policy& find(const std::string& name) const;

    std::vector<Policy> m_policies;  // oldest glibc first
    // arch -> namespace -> allowed versions by policy index (empty before the arch's oldest).
    std::map<std::string, Versions> m_versions;
    std::map<std::string, std::size_t> m_first_policy;  // arch -> index of its oldest policy
};

// "manylinux_2_17_aarch64.manylinux2014_aarch64": the policy's tag with PEP 600's legacy alias
// (manylinux1 = 2_5, manylinux2010 = 2_12, manylinux2014 = 2_17) appended; policy may be an
// alias itself; "" or "linux" gives "linux_<arch>". arch may be any name arch_from_name knows.
std::string platform_tag_for(const std::string& policy, std::string_view arch);

}  // namespace xbuild::python
