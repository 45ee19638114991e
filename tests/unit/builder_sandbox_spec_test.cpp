#include <doctest/doctest.h>

#include <algorithm>

#include "builder/core/error.hpp"
#include "builder/sandbox/spec.hpp"

using namespace xbuild;
using namespace xbuild::sandbox;

TEST_SUITE("spec") {
    TEST_CASE("JSON round trip keeps every field") {
        SandboxSpec spec;
        spec.layers = {"/cache/layers/def/upper", "/cache/rootfs/abc/root"};
        spec.upper_dir = "/cache/layers/.build-x/upper";
        spec.work_dir = "/cache/layers/.build-x/work";
        spec.scratch_parent = "/cache/sandbox";
        spec.scratch_dir = "/cache/sandbox/run-1";
        spec.capabilities = CapabilityProfile::apt;
        spec.limits.pids = 77;
        spec.limits.timeout = std::chrono::seconds(9);
        spec.binds = {{"/src", "/work", false}, {"/etc/hosts", "/etc/hosts", true}};
        spec.network = true;
        spec.env = {"A=1", "B=two words"};
        spec.workdir = "/work";
        spec.argv = {"sh", "-c", "echo \"$A\""};
        spec.extra_files = {"/usr/libexec/qemu-binfmt/aarch64-binfmt-P"};
        SandboxSpec back = spec_from_json(to_json(spec));
        CHECK(back.layers == spec.layers);
        CHECK(back.upper_dir == spec.upper_dir);
        CHECK(back.work_dir == spec.work_dir);
        CHECK(back.scratch_parent == spec.scratch_parent);
        CHECK(back.scratch_dir == spec.scratch_dir);
        CHECK(back.capabilities == CapabilityProfile::apt);
        CHECK(back.limits.pids == 77);
        CHECK(back.limits.timeout == std::chrono::seconds(9));
        CHECK(back.limits.tmpfs == spec.limits.tmpfs);
        REQUIRE(back.binds.size() == 2);
        CHECK(back.binds[1].target == "/etc/hosts");
        CHECK(back.binds[1].read_only);
        CHECK(back.network);
        CHECK(back.env == spec.env);
        CHECK(back.workdir == "/work");
        CHECK(back.argv == spec.argv);
        CHECK(back.extra_files == spec.extra_files);
        CHECK_THROWS_AS(spec_from_json("{\"rootfs\": 1}"), Error);
    }

    TEST_CASE("--bind parsing") {
        auto bind = parse_bind("/tmp:/work:ro");
        CHECK(bind.source == "/tmp");
        CHECK(bind.target == "/work");
        CHECK(bind.read_only);
        bind = parse_bind("/tmp");
        CHECK(bind.target == "/tmp");
        CHECK_FALSE(bind.read_only);
        CHECK_THROWS_WITH_AS(parse_bind("/nonexistent-xbuild:/x"), doctest::Contains("/nonexistent-xbuild"),
                             Error);
        CHECK_THROWS_WITH_AS(parse_bind("/tmp:relative"), doctest::Contains("absolute"), Error);
        // Over the stage's root or its /proc (whose masks a bind would undo): refused.
        for (const char* text :
             {"/tmp:/proc/sys", "/tmp:/proc", "/tmp:/../proc/", "/tmp:/", "/tmp:/x/../..:ro"})
            CHECK_THROWS_WITH_AS(parse_bind(text), doctest::Contains("may not be /, /proc or under /proc"),
                                 Error);
        CHECK(parse_bind("/tmp:/tmp/work").target == "/tmp/work");  // on the sandbox's /tmp (mounted first)
        CHECK(parse_bind("/tmp:/processes").target == "/processes");
    }

    TEST_CASE("environment is clean, with overrides") {
        auto env = sandbox_environment({"PATH=/opt/bin", "FOO=bar"});
        CHECK(std::count(env.begin(), env.end(), "PATH=/opt/bin") == 1);
        CHECK(std::none_of(env.begin(), env.end(),
                           [](const std::string& e) { return e.rfind("PATH=/usr", 0) == 0; }));
        CHECK(std::count(env.begin(), env.end(), "FOO=bar") == 1);
        CHECK(std::count(env.begin(), env.end(), "HOME=/root") == 1);
        CHECK_THROWS_AS(sandbox_environment({"NOEQUALS"}), Error);
    }
}
