#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "python/wheel_record.hpp"

using namespace xbuild::python;

namespace {

const std::string k_dist = "pkg-1.0.dist-info";

}  // namespace

TEST_SUITE("wheel_record") {
    TEST_CASE("record hashes from content and from a digest agree; a size mismatch is reported") {
        const std::string digest(
            "\x2c\xf2\x4d\xba\x5f\xb0\xa3\x0e\x26\xe8\x3b\x2a\xc5\xb9\xe2\x9e\x1b\x16\x1e\x5c\x1f\xa7\x42\x5e"
            "\x73\x04\x33\x62\x93\x8b\x98\x24",
            32);  // sha256("hello")
        CHECK(record_hash_of_digest(digest) == record_hash("hello"));
        std::vector<RecordFile> files = {record_file("pkg/a.py", "hello")};
        CHECK(files[0].size == 5);
        const std::string record = make_record(files, k_dist);
        files.push_back(record_file("pkg-1.0.dist-info/RECORD", record));
        files[0].size = 6;
        CHECK(check_record(record, files, k_dist) ==
              std::vector<std::string>{
                  "pkg-1.0.dist-info/RECORD: 'pkg/a.py' has size '5' in RECORD but 6 bytes in the wheel"});
    }

    TEST_CASE("make_record lists files in order, quotes paths, RECORD last and unhashed") {
        const std::vector<RecordFile> files = {
            record_file("pkg/b.py", "hello"),
            record_file("pkg/a,\"q\".py", ""),
            record_file("pkg-1.0.dist-info/RECORD", "stale"),
            record_file("pkg-1.0.dist-info/RECORD.jws", "signature"),
            record_file("pkg-1.0.dist-info/METADATA", "Name: pkg\n"),
        };
        CHECK(make_record(files, k_dist) ==
              "pkg/b.py,sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ,5\n"
              "\"pkg/a,\"\"q\"\".py\",sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"
              "pkg-1.0.dist-info/METADATA," +
                  record_hash("Name: pkg\n") +
                  ",10\n"
                  "pkg-1.0.dist-info/RECORD,,\n");
    }

    TEST_CASE("check_record accepts what make_record wrote") {
        std::vector<RecordFile> files = {record_file("pkg/a.py", "a"), record_file("pkg/a,b.py", "b")};
        const std::string record = make_record(files, k_dist);
        files.push_back(record_file("pkg-1.0.dist-info/RECORD", record));
        files.push_back(record_file("pkg-1.0.dist-info/RECORD.p7s", "unlisted signature"));
        CHECK(check_record(record, files, k_dist).empty());
    }

    TEST_CASE("check_record reports each problem on one line") {
        const std::string record = "pkg/a.py," + record_hash("a") +
                                   ",1\n"
                                   "pkg/a.py,sha256=x,1\n"
                                   "pkg/b.py,md5=x,1\n"
                                   "pkg/x\ty.py,sha256=x,1\n"
                                   "only,two\n"
                                   "\r\n"
                                   "\"open,sha256=x,1\n"
                                   "pkg-1.0.dist-info/RECORD,,\n";
        const std::vector<RecordFile> files = {record_file("pkg/a.py", "a"), record_file("pkg/b.py", "b"),
                                               record_file("pkg/c.py", "c"),
                                               record_file("pkg-1.0.dist-info/RECORD", record)};
        CHECK(check_record(record, files, k_dist) ==
              std::vector<std::string>{
                  "pkg-1.0.dist-info/RECORD: 'pkg/a.py' is listed twice",
                  "pkg-1.0.dist-info/RECORD: 'pkg/b.py' has no sha256 hash",
                  "pkg-1.0.dist-info/RECORD: lists 'pkg/x\\x09y.py', which is not in the wheel",
                  "pkg-1.0.dist-info/RECORD: line 5 is malformed",
                  "pkg-1.0.dist-info/RECORD: line 7 is malformed",
                  "pkg-1.0.dist-info/RECORD: 'pkg/c.py' is not listed",
              });
    }
}
