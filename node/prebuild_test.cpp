#include "node/prebuild_test.hpp"

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"
#include "builder/sandbox/spec.hpp"

namespace xbuild::node {

namespace stdfs = std::filesystem;

namespace {

// Resolves with node-gyp-build as a user's require would, checks the choice, loads the addon.
constexpr const char* k_resolve_check = R"JS(
const load = require('/xbuild/tools/node_modules/node-gyp-build')
const expected = process.argv[1]
const file = load.resolve('/pkg')
if (file !== expected) {
  console.error(`node-gyp-build resolved ${file}, expected ${expected}`)
  process.exit(1)
}
const addon = require(file)
console.log(`node-gyp-build loaded ${file} on ${process.arch} (node ${process.version}): exports ${Object.keys(addon).join(', ')}`)
)JS";

// With LIBC=musl, node-gyp-build must not take a glibc prebuild.
constexpr const char* k_musl_check = R"JS(
const load = require('/xbuild/tools/node_modules/node-gyp-build')
let file = null
try { file = load.resolve('/pkg') } catch (error) {}
if (file === process.argv[1]) {
  console.error(`node-gyp-build picked ${file} for musl`)
  process.exit(1)
}
console.log('not picked for musl: ok')
)JS";

}  // namespace

std::string default_test_command() {
    return "node -e \"const m = require('/pkg'); console.log('exports:', Object.keys(m).join(', '))\"";
}

void test_prebuild(const StageContext& context, const TestRequest& request) {
    // The package as users get it: its files and dependencies, no build/ (node-gyp-build would take
    // build/Release first), and in prebuilds/ only what this build made.
    const stdfs::path pkg = request.work / "pkg";
    fs::copy_tree(request.source, pkg);
    fs::remove_tree(pkg / "build");
    fs::remove_tree(pkg / "prebuilds");
    fs::copy_tree(request.prebuilds, pkg / "prebuilds");

    const std::string expected = "/pkg/prebuilds/" + request.prebuild_file;
    const std::string test_command = request.project.config.test_command.empty()
                                         ? default_test_command()
                                         : request.project.config.test_command;
    std::string script = fmt::format("set -e\ncd /pkg\nnode -e {0} {1}\nLIBC=musl node -e {2} {1}\n{3}\n",
                                     process::shell_quote(k_resolve_check), process::shell_quote(expected),
                                     process::shell_quote(k_musl_check), test_command);

    sandbox::SandboxSpec spec = stage::tool_run(context, request.runtime);
    spec.binds = {{pkg, "/pkg", true}, {request.tools, "/xbuild/tools", true}};
    spec.env = sandbox::sandbox_environment({"HOME=/tmp"});
    spec.workdir = "/pkg";
    spec.argv = {"dash", "-c", script};
    spec.log_file = request.log;
    fs::append_file(request.log, fmt::format("\n# test {} in {}\n$ {}\n", request.arch.node,
                                             request.runtime.description, script));
    int code = sandbox::run_sandbox(spec, context.launcher);
    if (code != 0) fail("{}: test failed (exit {})", request.arch.node, code);
}

}  // namespace xbuild::node
