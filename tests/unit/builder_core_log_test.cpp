#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder/core/fs.hpp"
#include "builder/core/log.hpp"

using namespace xbuild;

TEST_SUITE("log") {
    TEST_CASE("a sink gets each line without the prefix, as the verbosity allows") {
        std::vector<std::string> lines;
        const ProgressSink sink = [&](const std::string& line) { lines.push_back(line); };
        {
            Reporter reporter(Verbosity::normal, sink);
            reporter.info("building rootfs");
            reporter.verbose("not shown");
            Step step(reporter, "cp313-manylinux_aarch64: testing");
            step.done();
        }
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == "building rootfs");
        CHECK(lines[1] == "cp313-manylinux_aarch64: testing ...");
        CHECK(lines[2].rfind("cp313-manylinux_aarch64: testing: done in ", 0) == 0);

        lines.clear();
        Reporter(Verbosity::verbose, sink).verbose("details");
        Reporter(Verbosity::quiet, sink).info("hidden");
        CHECK(lines == std::vector<std::string>{"details"});
    }

    TEST_CASE("a failure sends its line, then the log's tail as one call") {
        fs::TempDir dir(std::filesystem::temp_directory_path(), "log-test-");
        const auto log = dir.path() / "build.log";
        fs::write_file_atomic(log, "first\nerror: boom\n");
        std::vector<std::string> lines;
        Reporter reporter(Verbosity::normal, [&](const std::string& line) { lines.push_back(line); });
        reporter.failure("x64", "build failed (exit 1)", log);
        REQUIRE(lines.size() == 2);
        CHECK(lines[0] == "x64: FAILED: build failed (exit 1)");
        CHECK(lines[1].find("error: boom") != std::string::npos);
        lines.clear();
        reporter.failure("x64", "no log", dir.path() / "missing.log");
        CHECK(lines == std::vector<std::string>{"x64: FAILED: no log"});
    }
}
