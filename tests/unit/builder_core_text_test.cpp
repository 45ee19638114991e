#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "builder/core/text.hpp"

using namespace xbuild;

TEST_SUITE("text") {
    TEST_CASE("printable escapes control characters only") {
        CHECK(text::printable("a\nb\tc\x7f") == "a\\x0ab\\x09c\\x7f");
        CHECK(text::printable(std::string("a\0b", 3)) == "a\\x00b");
        CHECK(text::printable("d\xc3\xa9j\xc3\xa0 \"x\"") == "d\xc3\xa9j\xc3\xa0 \"x\"");
    }

    TEST_CASE("lines splits on \\n and \\r\\n") {
        using Lines = std::vector<std::string_view>;
        CHECK(text::lines("") == Lines{});
        CHECK(text::lines("a") == Lines{"a"});
        CHECK(text::lines("a\n") == Lines{"a"});
        CHECK(text::lines("a\r\n\nb") == Lines{"a", "", "b"});
        CHECK(text::lines("\n\n") == Lines{"", ""});
    }

    TEST_CASE("lower changes ASCII letters only") {
        CHECK(text::lower("WWW-Authenticate: Bearer") == "www-authenticate: bearer");
        CHECK(text::lower("TCP/8080") == "tcp/8080");
        CHECK(text::lower("\xc3\x89t\xc3\xa9") == "\xc3\x89t\xc3\xa9");  // UTF-8 bytes untouched
    }

    TEST_CASE("trim removes spaces and tabs at both ends") {
        CHECK(text::trim(" \ta b\t ") == "a b");
        CHECK(text::trim(" \t") == "");
        CHECK(text::trim("x\n") == "x\n");
    }

    TEST_CASE("split_list splits on commas and whitespace and drops empty items") {
        using Strings = std::vector<std::string>;
        CHECK(text::split_list("a,b c") == Strings{"a", "b", "c"});
        CHECK(text::split_list(" x86_64 ,, arm64\t\nriscv64 ") == Strings{"x86_64", "arm64", "riscv64"});
        CHECK(text::split_list("") == Strings{});
        CHECK(text::split_list(", ,") == Strings{});
        CHECK(text::split_list("one") == Strings{"one"});
    }
}

TEST_CASE("split cuts at every separator") {
    using xbuild::text::split;
    CHECK(split("cp313-cp313-linux_x86_64", '-') ==
          std::vector<std::string_view>{"cp313", "cp313", "linux_x86_64"});
    CHECK(split("a--b", '-') == std::vector<std::string_view>{"a", "", "b"});
    CHECK(split("", '/') == std::vector<std::string_view>{""});
    CHECK(split("pkg/mod.py", '/') == std::vector<std::string_view>{"pkg", "mod.py"});
}

TEST_CASE("replace_all replaces every occurrence, left to right, never its own output") {
    CHECK(text::replace_all("cd {project} && ls {project}/t", "{project}", "/src") == "cd /src && ls /src/t");
    CHECK(text::replace_all("x {package}", "{package}", "{project}") == "x {project}");
    CHECK(text::replace_all("aa", "a", "aa") == "aaaa");
    CHECK(text::replace_all("none here", "{wheel}", "w") == "none here");
    CHECK(text::replace_all("abc", "", "x") == "abc");
}
