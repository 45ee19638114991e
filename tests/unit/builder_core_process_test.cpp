#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "builder/core/fd.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/process.hpp"

using namespace xbuild;
namespace stdfs = std::filesystem;

namespace {

int status_of(void (*child)()) {
    pid_t pid = ::fork();
    if (pid == 0) child();
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

}  // namespace

TEST_SUITE("process") {
    TEST_CASE("exit_code_of: the program's code, or 128+N for signal N") {
        CHECK(process::exit_code_of(status_of([] { ::_exit(0); })) == 0);
        CHECK(process::exit_code_of(status_of([] { ::_exit(42); })) == 42);
        CHECK(process::exit_code_of(status_of([] {
                  ::signal(SIGTERM, SIG_DFL);
                  ::raise(SIGTERM);
                  ::_exit(0);
              })) == 128 + SIGTERM);
    }

    TEST_CASE("read_to_end reads past one buffer, to end of file") {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        Fd read_end(fds[0]);
        const std::string text(20000, 'x');
        pid_t pid = ::fork();
        if (pid == 0) {
            ::close(fds[0]);
            (void)!::write(fds[1], text.data(), text.size());
            ::_exit(0);
        }
        ::close(fds[1]);
        CHECK(process::read_to_end(read_end.get()) == text);
        ::waitpid(pid, nullptr, 0);
    }

    TEST_CASE("search_path takes the first executable regular file, as execvp") {
        fs::TempDir dir(stdfs::temp_directory_path(), "xbuild-path-test-");
        for (const char* sub : {"a", "b", "c"}) stdfs::create_directories(dir.path() / sub);
        fs::write_file_atomic(dir.path() / "a/tool", "not executable", 0644);
        stdfs::create_directories(dir.path() / "b/tool");  // a directory is no program
        fs::write_file_atomic(dir.path() / "c/tool", "#!/bin/sh\n", 0755);
        const std::string list = (dir.path() / "a").string() + ":" + (dir.path() / "b").string() + ":" +
                                 (dir.path() / "c").string();
        CHECK(process::search_path("tool", list) == dir.path() / "c/tool");
        CHECK_FALSE(process::search_path("missing", list));
        CHECK_FALSE(process::search_path("tool", (dir.path() / "a").string()));
        CHECK(process::find_program("sh"));
    }
}
