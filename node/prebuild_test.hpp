#pragma once
// The test stage of one prebuild: in an extract-only rootfs of the target arch (qemu-user for a
// foreign arch) with the suite's Node, node-gyp-build itself (from the npm tools) must resolve the
// package's addon to the new prebuild and load it, must NOT pick it for musl (LIBC=musl), and the
// project's test command must pass.
#include <filesystem>
#include <string>

#include "builder/core/arch.hpp"
#include "node/project.hpp"
#include "node/stages.hpp"

namespace xbuild::node {

struct TestRequest {
    const NodeProject& project;
    const Arch& arch;
    const PreparedStage& runtime;
    std::filesystem::path tools;   // the npm tools' tree (node-gyp-build), bound at /xbuild/tools
    std::filesystem::path source;  // the fetched source tree (node_modules with the package's dependencies)
    std::filesystem::path prebuilds;  // staged prebuilds/ (linux-<arch>/<file> and its grafts)
    std::string prebuild_file;        // "linux-arm64/name.napi.glibc.node", relative to prebuilds
    std::filesystem::path work;       // scratch: work/pkg, the package as the test sees it
    std::filesystem::path log;        // appended
};

// The default test command: require the package and print its exports.
std::string default_test_command();

// Throws Error ("<arch>: test failed (exit N)") when a check or the test command fails.
void test_prebuild(const StageContext& context, const TestRequest& request);

}  // namespace xbuild::node
