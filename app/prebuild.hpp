#pragma once
// The prebuild use case: build and test a Node addon's prebuilds for each arch, in node-gyp-build's
// layout.
#include <string>
#include <vector>

#include "app/session.hpp"
#include "node/prebuilds.hpp"

namespace xbuild::app {

struct PrebuildRequest {
    std::string source = ".";              // package directory (with package.json)
    std::vector<std::string> archs;        // Node's names (x64, arm64); empty: xbuild.archs, else the host's
    std::string glibc;                     // the floor ("2.31"); empty: xbuild.glibc, else 2.31
    std::vector<std::string> test_suites;  // Debian suites whose Node tests each prebuild
    bool emulate = false;
    bool abi = false;    // an addon of V8/NAN/libuv: abi<N> prebuilds for the suite's Node
    bool strip = false;  // strip with the target's strip
    std::string output;  // empty: <source>/prebuilds
    bool keep_going = false;
    int jobs = 1;  // archs at once; 0: the number of cores (the CLI's default)
};

struct PrebuildResult {
    std::vector<node::PrebuildOutcome> outcomes;  // one per arch

    std::string json() const { return node::outcomes_json(outcomes); }
    void check() const { fail_on_failures(outcomes, "archs"); }
};

PrebuildResult build_prebuilds(const Session& session, const PrebuildRequest& request);

}  // namespace xbuild::app
