// load_image_config on xbuild.toml files written here: every key of [image], the defaults, the
// command line and XBUILD_ARCHS over the file, and every refusal naming the file and the key.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "image/image_config.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using xbuild::test::contains;
namespace stdfs = std::filesystem;
using Strings = std::vector<std::string>;
using StringMap = std::map<std::string, std::string>;

namespace {

struct Project {
    fs::TempDir dir{stdfs::temp_directory_path(), "xbuild-image-config-"};
    explicit Project(const std::string& toml) { fs::write_file_atomic(dir.path() / "xbuild.toml", toml); }
    std::string file() const { return (dir.path() / "xbuild.toml").string(); }
    ImageConfig load(const ImageOverrides& overrides = {}) const {
        return load_image_config(dir.path(), overrides);
    }
};

// XBUILD_ARCHS unset for the test's duration, then restored to what it was.
class CleanArchs {
  public:
    CleanArchs() {
        if (const char* value = std::getenv("XBUILD_ARCHS")) m_saved = value;
        ::unsetenv("XBUILD_ARCHS");
    }
    ~CleanArchs() {
        if (m_saved)
            ::setenv("XBUILD_ARCHS", m_saved->c_str(), 1);
        else
            ::unsetenv("XBUILD_ARCHS");
    }
    CleanArchs(const CleanArchs&) = delete;
    CleanArchs& operator=(const CleanArchs&) = delete;

  private:
    std::optional<std::string> m_saved;
};

// The message of loading an [image] table with a tag and the extra lines, which must fail.
void refused(const std::string& lines, const std::string& message) {
    Project project("[image]\ntag = \"app:1\"\n" + lines);
    INFO(lines);
    CHECK_THROWS_WITH_AS(project.load(), contains(project.file() + ": " + message), Error);
}

}  // namespace

TEST_SUITE("image config") {
    TEST_CASE("every key of [image] and [[image.files]] is read") {
        CleanArchs clean;
        Project project(R"([image]
tag = "registry.example.com:5000/team/app:1.2"
base = "nodejs"
suite = "bookworm"
archs = ["amd64", "arm64"]
packages = ["libyaml-0-2", "ca-certificates", "libssl3:arm64"]
shell = true
wheels = ["wheels/*.whl", "native"]
node-packages = ["addon"]
compile-bytecode = true
entrypoint = ["node", "server.js"]
cmd = ["--port", "8080"]
env = { PORT = "8080", NODE_ENV = "production" }
workdir = "/app"
user = "1000:1000"
labels = { "org.opencontainers.image.source" = "https://example.com/app" }
ports = ["8080/tcp", "53/udp"]

[[image.files]]
from = "server.js"
to = "/app/server.js"

[[image.files]]
from = "static/*.html"
to = "/app/static/"
)");
        const ImageConfig config = project.load();
        CHECK(config.dir == project.dir.path());
        CHECK(config.tag == "registry.example.com:5000/team/app:1.2");
        CHECK(config.base == BaseKind::nodejs);
        CHECK(config.suite == "bookworm");
        CHECK(config.archs == Strings{"amd64", "arm64"});
        CHECK(config.packages == Strings{"libyaml-0-2", "ca-certificates", "libssl3:arm64"});
        CHECK(config.shell);
        CHECK(config.wheels == Strings{"wheels/*.whl", "native"});
        CHECK(config.node_packages == Strings{"addon"});
        CHECK(config.compile_bytecode);
        REQUIRE(config.files.size() == 2);
        CHECK(config.files[0].from == "server.js");
        CHECK(config.files[0].to == "/app/server.js");
        CHECK(config.files[1].from == "static/*.html");
        CHECK(config.files[1].to == "/app/static/");
        CHECK(config.entrypoint == Strings{"node", "server.js"});
        CHECK(config.cmd == Strings{"--port", "8080"});
        CHECK(config.env == StringMap{{"NODE_ENV", "production"}, {"PORT", "8080"}});
        CHECK(config.workdir == "/app");
        CHECK(config.user == "1000:1000");
        CHECK(config.labels == StringMap{{"org.opencontainers.image.source", "https://example.com/app"}});
        CHECK(config.ports == Strings{"8080/tcp", "53/udp"});
        CHECK(base_name(config.base) == "nodejs");
        CHECK(base_name(BaseKind::python3) == "python3");
    }

    TEST_CASE("lists given as one string are split at commas and spaces") {
        CleanArchs clean;
        Project project(R"([image]
tag = "app:1"
archs = "amd64, arm64"
packages = "libyaml-0-2 zlib1g"
wheels = "a.whl,b.whl"
node-packages = "one two"
ports = "8080/tcp,9090/tcp"
)");
        const ImageConfig config = project.load();
        CHECK(config.archs == Strings{"amd64", "arm64"});
        CHECK(config.packages == Strings{"libyaml-0-2", "zlib1g"});
        CHECK(config.wheels == Strings{"a.whl", "b.whl"});
        CHECK(config.node_packages == Strings{"one", "two"});
        CHECK(config.ports == Strings{"8080/tcp", "9090/tcp"});
    }

    TEST_CASE("defaults: python3 on trixie, distroless' nonroot user, nothing else") {
        CleanArchs clean;
        Project project("[image]\ntag = \"app:1\"\n");
        const ImageConfig config = project.load();
        CHECK(config.tag == "app:1");
        CHECK(config.base == BaseKind::python3);
        CHECK(config.suite == "trixie");
        CHECK(config.user == "65532:65532");
        CHECK(config.archs.empty());
        CHECK(config.packages.empty());
        CHECK_FALSE(config.shell);
        CHECK(config.wheels.empty());
        CHECK(config.node_packages.empty());
        CHECK_FALSE(config.compile_bytecode);
        CHECK(config.files.empty());
        CHECK(config.entrypoint.empty());
        CHECK(config.cmd.empty());
        CHECK(config.env.empty());
        CHECK(config.workdir.empty());
        CHECK(config.labels.empty());
        CHECK(config.ports.empty());
        // An empty [image] is fine when the command line gives the tag.
        Project empty("[image]\n");
        CHECK(empty.load({"app:2", {}}).tag == "app:2");
    }

    TEST_CASE("the command line overrides the file, XBUILD_ARCHS overrides both") {
        CleanArchs clean;
        Project project("[image]\ntag = \"app:1\"\narchs = [\"amd64\"]\n");
        ImageConfig config = project.load({"other/app:2", {"arm64", "riscv64"}});
        CHECK(config.tag == "other/app:2");
        CHECK(config.archs == Strings{"arm64", "riscv64"});
        config = project.load();
        CHECK(config.tag == "app:1");
        CHECK(config.archs == Strings{"amd64"});

        ::setenv("XBUILD_ARCHS", "armhf, ppc64el", 1);
        CHECK(project.load({"", {"arm64"}}).archs == Strings{"armhf", "ppc64el"});
        CHECK(project.load().archs == Strings{"armhf", "ppc64el"});
        ::setenv("XBUILD_ARCHS", "", 1);  // empty: not set
        CHECK(project.load({"", {"arm64"}}).archs == Strings{"arm64"});
    }

    TEST_CASE("no xbuild.toml, no [image], a TOML syntax error with its line") {
        CleanArchs clean;
        fs::TempDir empty(stdfs::temp_directory_path(), "xbuild-image-config-empty-");
        CHECK_THROWS_WITH_AS(load_image_config(empty.path(), {"app:1", {}}),
                             contains(empty.path().string() + ": no xbuild.toml"), Error);
        // A directory named xbuild.toml is not the file.
        fs::make_dirs(empty.path() / "xbuild.toml");
        CHECK_THROWS_WITH_AS(load_image_config(empty.path(), {"app:1", {}}),
                             contains(empty.path().string() + ": no xbuild.toml"), Error);

        Project no_image("[project]\nname = \"x\"\n");
        CHECK_THROWS_WITH_AS(no_image.load({"app:1", {}}), contains(no_image.file() + ": no [image] table"),
                             Error);
        Project not_table("image = \"app:1\"\n");
        CHECK_THROWS_WITH_AS(not_table.load({"app:1", {}}), contains(not_table.file() + ": no [image] table"),
                             Error);
        Project broken("[image]\ntag = \"app:1\"\narchs = [\"amd64\"\n");
        CHECK_THROWS_WITH_AS(broken.load(), contains(broken.file() + ":3: "), Error);
        Project broken_line5("# comment\n\n[image]\ntag = \"app:1\"\nshell = yes\n");
        CHECK_THROWS_WITH_AS(broken_line5.load(), contains(broken_line5.file() + ":5: "), Error);
    }

    TEST_CASE("[cache] registry names the registry cache") {
        CleanArchs clean;
        Project project("[image]\ntag = \"app:1\"\n[cache]\nregistry = \"registry.internal/team/cache\"\n");
        CHECK(project.load().cache_registry == "registry.internal/team/cache");
        refused("[cache]\nrepo = \"x\"\n", "[cache] repo: unknown key (known: registry)");
        Project not_table("cache = 1\n[image]\ntag = \"app:1\"\n");
        CHECK_THROWS_WITH_AS(not_table.load(), contains(not_table.file() + ": [cache]: must be a table"),
                             Error);
    }

    TEST_CASE("unknown keys and bases, values of the wrong type") {
        CleanArchs clean;
        refused("colour = \"blue\"\n", "[image] colour: unknown key (known: tag, base, suite, archs");
        refused("base = \"ruby\"\n",
                "[image] base: unknown base 'ruby' (known: python3, nodejs, cc, static)");
        refused("base = 3\n", "[image] base: must be a string");
        refused("shell = \"yes\"\n", "[image] shell: must be true or false");
        refused("compile-bytecode = 1\n", "[image] compile-bytecode: must be true or false");
        refused("archs = 64\n", "[image] archs: must be a string or an array of strings");
        refused("archs = [\"amd64\", 64]\n", "[image] archs: must be an array of strings");
        refused("wheels = { a = \"b\" }\n", "[image] wheels: must be a string or an array of strings");
        refused("ports = [8080]\n", "[image] ports: must be an array of strings");
        refused("env = \"A=1\"\n", "[image] env: must be a table of strings");
        refused("env = { A = 1 }\n", "[image] env.A: must be a string");
        refused("labels = [\"a=b\"]\n", "[image] labels: must be a table of strings");
        refused("labels = { a = true }\n", "[image] labels.a: must be a string");
        refused("user = 1000\n", "[image] user: must be a string");
        refused("user = \"\"\n", "[image] user: must not be empty");
        refused("workdir = [\"/app\"]\n", "[image] workdir: must be a string");
        Project tag("[image]\ntag = 1\n");
        CHECK_THROWS_WITH_AS(tag.load(), contains(tag.file() + ": [image] tag: must be a string"), Error);
    }

    TEST_CASE("invalid package names, suites, environment names and workdirs") {
        CleanArchs clean;
        refused("packages = [\"libyaml-0-2\", \"Bad_Name\"]\n",
                "[image] packages: invalid package name 'Bad_Name'");
        refused("packages = \"x;rm\"\n", "[image] packages: invalid package name 'x;rm'");
        refused("suite = \"buster\"\n", "[image] suite: unknown suite 'buster'");
        refused("env = { \"1ABC\" = \"x\" }\n", "[image] env: '1ABC' is not an environment variable name");
        refused("env = { \"A-B\" = \"x\" }\n", "[image] env: 'A-B' is not an environment variable name");
        refused("env = { \"\" = \"x\" }\n", "[image] env: '' is not an environment variable name");
        refused("workdir = \"app\"\n", "[image] workdir: 'app' must be an absolute path");
        refused("workdir = \"\"\n", "[image] workdir: '' must be an absolute path");
    }

    TEST_CASE("entrypoint and cmd are argument vectors, not strings") {
        CleanArchs clean;
        refused("entrypoint = \"python3 -m app\"\n",
                "[image] entrypoint: must be an array of strings (an argument vector)");
        refused("cmd = \"--port 80\"\n", "[image] cmd: must be an array of strings (an argument vector)");
        refused("cmd = [\"--port\", 80]\n", "[image] cmd: must be an array of strings");
    }

    TEST_CASE("[[image.files]]: from and to, from inside the project, to absolute without '..'") {
        CleanArchs clean;
        auto entry = [](const std::string& body) { return "[[image.files]]\n" + body; };
        refused(entry("from = \"a\"\n"), "[[image.files]] #1: needs from and to");
        refused(entry("to = \"/a\"\n"), "[[image.files]] #1: needs from and to");
        refused(entry("from = \"a\"\nto = \"/a\"\n") + entry("from = \"b\"\nto = \"\"\n"),
                "[[image.files]] #2: needs from and to");
        refused(entry("from = \"a\"\nto = \"/a\"\nmode = \"0755\"\n"),
                "[[image.files]] #1.mode: unknown key (known: from, to)");
        refused(entry("from = 1\nto = \"/a\"\n"), "[[image.files]] #1.from: must be a string");
        refused(entry("from = \"a\"\nto = [\"/a\"]\n"), "[[image.files]] #1.to: must be a string");
        refused("files = \"a:/a\"\n", "[[image.files]]: must be an array of tables");
        refused("files = [\"a\"]\n", "[[image.files]] #1: must be a table with from and to");
        refused(entry("from = \"../x\"\nto = \"/x\"\n"),
                "[[image.files]] #1.from: '../x' must stay inside the project directory");
        refused(entry("from = \"/etc/passwd\"\nto = \"/x\"\n"),
                "[[image.files]] #1.from: '/etc/passwd' must stay inside the project directory");
        refused(entry("from = \"src/../../x\"\nto = \"/x\"\n"),
                "[[image.files]] #1.from: 'src/../../x' must stay inside the project directory");
        refused(entry("from = \"a\"\nto = \"app/a\"\n"),
                "[[image.files]] #1.to: 'app/a' must be an absolute image path");
        refused(entry("from = \"a\"\nto = \"/app/../etc/passwd\"\n"),
                "[[image.files]] #1.to: '/app/../etc/passwd' must not contain '..'");

        // Names that merely start with two dots are inside the project (Kubernetes' "..data").
        Project dots("[image]\ntag = \"app:1\"\n" + entry("from = \"..data/config\"\nto = \"/etc/app/\"\n") +
                     entry("from = \"src/../lib\"\nto = \"/lib..x/\"\n"));
        const ImageConfig config = dots.load();
        REQUIRE(config.files.size() == 2);
        CHECK(config.files[0].from == "..data/config");
        CHECK(config.files[1].from == "src/../lib");
        CHECK(config.files[1].to == "/lib..x/");
    }

    TEST_CASE("no tag, an invalid tag, a digest instead of a tag") {
        CleanArchs clean;
        Project untagged("[image]\nbase = \"python3\"\n");
        CHECK_THROWS_WITH_AS(untagged.load(),
                             contains(untagged.file() + ": no image tag: give --tag NAME:TAG or [image] tag"),
                             Error);
        Project upper("[image]\ntag = \"UPPER:1\"\n");
        CHECK_THROWS_WITH_AS(
            upper.load(),
            contains(upper.file() + ": image tag 'UPPER:1' ([image] tag): invalid image reference"), Error);
        CHECK_THROWS_WITH_AS(
            untagged.load({"app:bad tag", {}}),
            contains(untagged.file() + ": image tag 'app:bad tag' (--tag): invalid image reference"), Error);
        const std::string digest = "app@sha256:" + std::string(64, 'a');
        Project pinned("[image]\ntag = \"" + digest + "\"\n");
        CHECK_THROWS_WITH_AS(
            pinned.load(),
            contains(pinned.file() + ": image tag '" + digest + "' ([image] tag): a digest, not a tag"),
            Error);
        // The command line's valid tag replaces the file's invalid one.
        CHECK(upper.load({"app:1", {}}).tag == "app:1");
    }
}
