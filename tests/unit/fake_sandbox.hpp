#pragma once
// A recording fake of the sandbox for orchestration tests: every spec run_sandbox is given is kept, and
// a behaviour plays the sandboxed command's part (writes into the binds it would write, returns an
// exit code) without namespaces, stages or qemu.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"
#include "builder/sandbox/launcher.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/stage/context.hpp"
#include "builder/stage/rootfs_cache.hpp"

namespace xbuild::test {

struct FakeSandbox {
    std::vector<sandbox::SandboxSpec> runs;
    std::function<int(const sandbox::SandboxSpec&)> behaviour = [](const sandbox::SandboxSpec&) { return 0; };

    sandbox::Launcher launcher() {
        sandbox::Launcher launcher;
        launcher.runner = [this](const sandbox::SandboxSpec& spec) {
            runs.push_back(spec);
            return behaviour(spec);
        };
        return launcher;
    }
};

// A temporary directory with a cache in it, a quiet reporter and the fake: what an orchestration test
// builds its StageContext from.
struct FakeStage {
    fs::TempDir dir;
    stage::RootfsCache cache{dir.path() / "cache"};
    Reporter reporter{Verbosity::quiet};
    FakeSandbox sandbox;

    explicit FakeStage(const char* prefix) : dir(std::filesystem::temp_directory_path(), prefix) {}
    stage::StageContext context() {
        return {cache, sandbox.launcher(), "http://mirror.invalid/debian", reporter};
    }
};

// The host directory bound at target in spec ("" when nothing is).
inline std::filesystem::path bound_at(const sandbox::SandboxSpec& spec, const std::string& target) {
    for (const auto& bind : spec.binds)
        if (bind.target == target) return bind.source;
    return {};
}

// Whether spec binds source at target, read-only or not as asked.
inline bool binds(const sandbox::SandboxSpec& spec, const std::string& target, bool read_only) {
    for (const auto& bind : spec.binds)
        if (bind.target == target) return bind.read_only == read_only;
    return false;
}

inline bool has_env(const sandbox::SandboxSpec& spec, const std::string& entry) {
    for (const auto& e : spec.env)
        if (e == entry) return true;
    return false;
}

}  // namespace xbuild::test
