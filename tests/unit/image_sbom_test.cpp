#include <doctest/doctest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "image/sbom.hpp"
#include "tests/unit/test_support.hpp"

using namespace xbuild;
using namespace xbuild::image;
using nlohmann::json;
using xbuild::test::contains;
using Kind = SbomPackage::Kind;

namespace {

SbomPackage deb(std::string name, std::string version, std::string arch, std::string source = "") {
    SbomPackage package;
    package.name = std::move(name);
    package.version = std::move(version);
    package.arch = std::move(arch);
    package.source = std::move(source);
    package.supplier = "Organization: Debian";
    return package;
}

SbomPackage of_kind(Kind kind, std::string name, std::string version) {
    SbomPackage package;
    package.kind = kind;
    package.name = std::move(name);
    package.version = std::move(version);
    return package;
}

SbomDocument sample() {
    SbomDocument document;
    document.image_name = "xbuild-python-app:1.0";
    document.platform = "linux/arm64/v8";
    document.distro = "debian";
    document.suite = "trixie";
    document.created = 0;
    document.tool = "xbuild-0.1.0";
    document.packages = {
        deb("libc6", "2.41-12", "arm64", "glibc"), deb("libyaml-0-2", "0.2.5-2", "arm64"),
        deb("tzdata", "2025b-4", "all"),           deb("libc6", "2.41-12", "amd64", "glibc"),
        of_kind(Kind::pypi, "PyYAML", "6.0.2"),    of_kind(Kind::npm, "@types/node", "20.1.0")};
    document.packages[4].license = "MIT";
    return document;
}

const json* find_package(const json& doc, const std::string& name, const std::string& purl_part) {
    for (const json& package : doc["packages"])
        if (package["name"] == name && package["externalRefs"][0]["referenceLocator"].get<std::string>().find(
                                           purl_part) != std::string::npos)
            return &package;
    return nullptr;
}

}  // namespace

TEST_SUITE("runtime sbom") {
    TEST_CASE("distro qualifiers: Debian codenames by release number, others by name") {
        CHECK(distro_qualifier("debian", "trixie") == "debian-13");
        CHECK(distro_qualifier("debian", "bookworm") == "debian-12");
        CHECK(distro_qualifier("Debian", "bullseye") == "debian-11");
        CHECK(distro_qualifier("debian", "sid") == "debian-sid");
        CHECK(distro_qualifier("ubuntu", "noble") == "ubuntu-noble");
        CHECK(distro_qualifier("", "trixie") == "debian-13");
    }

    TEST_CASE("deb purls: epoch kept with ':', '+' encoded, arch, distro, and the source as upstream") {
        CHECK(purl_of(deb("libyaml-0-2", "0.2.5-2", "arm64"), "debian-13") ==
              "pkg:deb/debian/libyaml-0-2@0.2.5-2?arch=arm64&distro=debian-13");
        CHECK(purl_of(deb("attr", "1:2.4.47-2+b1", "amd64"), "debian-12") ==
              "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64&distro=debian-12");
        CHECK(purl_of(deb("libstdc++6", "14.2.0-19", "arm64", "gcc-14 (14.2.0-19)"), "debian-13") ==
              "pkg:deb/debian/libstdc%2B%2B6@14.2.0-19?arch=arm64&distro=debian-13&upstream=gcc-14");
        // A source named like the package, with its version, is no upstream.
        CHECK(purl_of(deb("tzdata", "2025b-4", "all", "tzdata (2025b-4)"), "debian-13") ==
              "pkg:deb/debian/tzdata@2025b-4?arch=all&distro=debian-13");
        // '~' stays; no arch and no version leave their parts out; the vendor comes from the qualifier.
        CHECK(purl_of(deb("libfoo1", "1.0~rc1-1", ""), "ubuntu-noble") ==
              "pkg:deb/ubuntu/libfoo1@1.0~rc1-1?distro=ubuntu-noble");
        CHECK(purl_of(deb("libfoo1", "", "arm64"), "") == "pkg:deb/debian/libfoo1?arch=arm64");
    }

    TEST_CASE("pypi purls: the name lowercased with '_' as '-'; versions percent-encoded") {
        CHECK(purl_of(of_kind(Kind::pypi, "PyYAML", "6.0.2"), "debian-13") == "pkg:pypi/pyyaml@6.0.2");
        CHECK(purl_of(of_kind(Kind::pypi, "Foo_Bar", "1!2.0+local.7"), "") ==
              "pkg:pypi/foo-bar@1%212.0%2Blocal.7");
        CHECK(purl_of(of_kind(Kind::pypi, "zope.interface", "7.2"), "") == "pkg:pypi/zope.interface@7.2");
        CHECK_THROWS_WITH_AS(purl_of(of_kind(Kind::pypi, "bad name", "1"), ""),
                             contains("SBOM package 'bad name': not a Python package name (PEP 508)"), Error);
        CHECK_THROWS_WITH_AS(purl_of(of_kind(Kind::pypi, "-x", "1"), ""),
                             contains("not a Python package name"), Error);
    }

    TEST_CASE("npm purls: the scope's '@' encoded as %40, names lowercased") {
        CHECK(purl_of(of_kind(Kind::npm, "@types/node", "20.1.0"), "") == "pkg:npm/%40types/node@20.1.0");
        CHECK(purl_of(of_kind(Kind::npm, "@Angular/Core", "17.0.0-rc.1"), "") ==
              "pkg:npm/%40angular/core@17.0.0-rc.1");
        CHECK(purl_of(of_kind(Kind::npm, "left-pad", "1.3.0+build 5"), "") ==
              "pkg:npm/left-pad@1.3.0%2Bbuild%205");
        CHECK_THROWS_WITH_AS(purl_of(of_kind(Kind::npm, "@scope", "1"), ""),
                             contains("a scoped npm name is '@scope/name'"), Error);
        CHECK_THROWS_AS(purl_of(of_kind(Kind::npm, "@/x", "1"), ""), Error);
        CHECK_THROWS_AS(purl_of(of_kind(Kind::npm, "@a/b/c", "1"), ""), Error);
        CHECK_THROWS_WITH_AS(purl_of(of_kind(Kind::npm, "a/b", "1"), ""),
                             contains("an npm name without a scope has no '/'"), Error);
        CHECK_THROWS_WITH_AS(purl_of(of_kind(Kind::npm, "", "1"), ""),
                             contains("SBOM: a package of type npm has no name"), Error);
    }

    TEST_CASE("the document: SPDX 2.3 fields, the image described, every package contained") {
        const std::string text = spdx_json(sample());
        CHECK(text.ends_with("}\n"));
        const json doc = json::parse(text);
        CHECK(doc["spdxVersion"] == "SPDX-2.3");
        CHECK(doc["dataLicense"] == "CC0-1.0");
        CHECK(doc["SPDXID"] == "SPDXRef-DOCUMENT");
        CHECK(doc["name"] == "xbuild-python-app:1.0 linux/arm64/v8");
        CHECK(doc["creationInfo"]["created"] == "1970-01-01T00:00:00Z");
        CHECK(doc["creationInfo"]["creators"] == json::array({"Tool: xbuild-0.1.0"}));
        const std::string ns = doc["documentNamespace"];
        CHECK(std::regex_match(ns, std::regex("https://xbuild\\.invalid/spdx/"
                                              "xbuild-python-app-1\\.0-linux-arm64-v8-[0-9a-f]{64}")));

        REQUIRE(doc["packages"].size() == 7);
        const json& image = doc["packages"][0];
        CHECK(image["SPDXID"] == "SPDXRef-Image");
        CHECK(image["primaryPackagePurpose"] == "CONTAINER");
        CHECK_FALSE(image.contains("externalRefs"));  // no digest known: no purl

        const json* yaml = find_package(doc, "libyaml-0-2", "");
        REQUIRE(yaml);
        CHECK((*yaml)["versionInfo"] == "0.2.5-2");
        CHECK((*yaml)["downloadLocation"] == "NOASSERTION");
        CHECK((*yaml)["filesAnalyzed"] == false);
        CHECK((*yaml)["licenseConcluded"] == "NOASSERTION");
        CHECK((*yaml)["licenseDeclared"] == "NOASSERTION");
        CHECK((*yaml)["copyrightText"] == "NOASSERTION");
        CHECK((*yaml)["supplier"] == "Organization: Debian");
        CHECK((*yaml)["externalRefs"] ==
              json::array({{{"referenceCategory", "PACKAGE-MANAGER"},
                            {"referenceType", "purl"},
                            {"referenceLocator",
                             "pkg:deb/debian/libyaml-0-2@0.2.5-2?arch=arm64&distro=debian-13"}}}));
        const json* pyyaml = find_package(doc, "PyYAML", "pkg:pypi/pyyaml@6.0.2");
        REQUIRE(pyyaml);
        CHECK((*pyyaml)["licenseDeclared"] == "MIT");
        CHECK((*pyyaml)["supplier"] == "NOASSERTION");
        const json* libc = find_package(doc, "libc6", "arch=arm64");
        REQUIRE(libc);
        CHECK((*libc)["sourceInfo"] == "built from the Debian source package glibc");
        REQUIRE(find_package(doc, "@types/node", "pkg:npm/%40types/node@20.1.0"));

        // DOCUMENT DESCRIBES the image; the image CONTAINS each package.
        const json& relationships = doc["relationships"];
        REQUIRE(relationships.size() == 7);
        CHECK(relationships[0] == json{{"spdxElementId", "SPDXRef-DOCUMENT"},
                                       {"relationshipType", "DESCRIBES"},
                                       {"relatedSpdxElement", "SPDXRef-Image"}});
        std::set<std::string> contained;
        for (std::size_t i = 1; i < relationships.size(); ++i) {
            CHECK(relationships[i]["spdxElementId"] == "SPDXRef-Image");
            CHECK(relationships[i]["relationshipType"] == "CONTAINS");
            contained.insert(relationships[i]["relatedSpdxElement"]);
        }
        for (std::size_t i = 1; i < doc["packages"].size(); ++i)
            CHECK(contained.count(doc["packages"][i]["SPDXID"]));
    }

    TEST_CASE("SPDXIDs hold only letters, digits, '.' and '-', and are unique") {
        SbomDocument document = sample();
        document.packages.push_back(of_kind(Kind::npm, "@scope/we!rd_name", "1.0.0"));
        document.packages.push_back(of_kind(Kind::pypi, "types_node", "1.0"));
        const json doc = json::parse(spdx_json(document));
        std::set<std::string> ids;
        for (const json& package : doc["packages"]) {
            const std::string id = package["SPDXID"];
            CHECK(std::regex_match(id, std::regex("SPDXRef-[A-Za-z0-9.-]+")));
            CHECK(ids.insert(id).second);
        }
        CHECK(ids.size() == doc["packages"].size());
        // Same name, other arch: two packages, two ids.
        CHECK(find_package(doc, "libc6", "arch=arm64")->at("SPDXID") !=
              find_package(doc, "libc6", "arch=amd64")->at("SPDXID"));
        CHECK(find_package(doc, "libc6", "arch=arm64")
                  ->at("SPDXID")
                  .get<std::string>()
                  .starts_with("SPDXRef-deb-libc6-"));
        CHECK(find_package(doc, "@scope/we!rd_name", "")
                  ->at("SPDXID")
                  .get<std::string>()
                  .starts_with("SPDXRef-npm--scope-we-rd-name-"));
    }

    TEST_CASE("canonical: same packages in another order, or duplicated, give the same bytes") {
        const SbomDocument document = sample();
        SbomDocument reversed = document;
        std::reverse(reversed.packages.begin(), reversed.packages.end());
        reversed.packages.push_back(document.packages[1]);
        CHECK(spdx_json(reversed) == spdx_json(document));
        // Packages sorted by kind (deb, pypi, npm), then name, version, arch.
        const json doc = json::parse(spdx_json(document));
        std::vector<std::string> order;
        for (const json& package : doc["packages"]) order.push_back(package["name"]);
        CHECK(order == std::vector<std::string>{"xbuild-python-app:1.0", "libc6", "libc6", "libyaml-0-2",
                                                "tzdata", "PyYAML", "@types/node"});
        CHECK(doc["packages"][1]["externalRefs"][0]["referenceLocator"].get<std::string>().find(
                  "arch=amd64") != std::string::npos);
        // Other content, another namespace.
        SbomDocument changed = document;
        changed.packages[1].version = "0.2.5-3";
        CHECK(json::parse(spdx_json(changed))["documentNamespace"] != doc["documentNamespace"]);
    }

    TEST_CASE("the image purl with a known digest; given purls, licenses and suppliers") {
        SbomDocument document = sample();
        document.image_name = "registry.example:5000/Team/App:1.0";
        document.image_digest = "sha256:" + std::string(64, 'a');
        document.created = 1700000000;
        document.packages = {deb("libfoo1", "1", "arm64")};
        document.packages[0].purl = "pkg:deb/debian/libfoo1@1?arch=arm64&distro=debian-13&custom=yes";
        document.packages[0].license = "(MIT OR Apache-2.0) AND BSD-3-Clause";
        document.packages[0].supplier = "Debian";
        const json doc = json::parse(spdx_json(document));
        CHECK(doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z");
        const json& image = doc["packages"][0];
        CHECK(image["versionInfo"] == document.image_digest);
        CHECK(image["externalRefs"][0]["referenceLocator"] ==
              "pkg:oci/app@sha256:" + std::string(64, 'a') +
                  "?arch=arm64&repository_url=registry.example:5000/Team/App&tag=1.0");
        const json& foo = doc["packages"][1];
        CHECK(foo["externalRefs"][0]["referenceLocator"] == document.packages[0].purl);
        CHECK(foo["licenseDeclared"] == "(MIT OR Apache-2.0) AND BSD-3-Clause");
        CHECK(foo["supplier"] == "Organization: Debian");
        CHECK(std::regex_match(
            doc["documentNamespace"].get<std::string>(),
            std::regex("https://xbuild\\.invalid/spdx/registry\\.example-5000-Team-App-1\\.0-"
                       "linux-arm64-v8-[0-9a-f]{64}")));
        for (const char* text : {"BSD License", "MIT OR", "(MIT", "MIT)", "LicenseRef-foo",
                                 "MIT AND AND GPL-2.0", "GPL-2.0 WITH", "MIT/X11"}) {
            CAPTURE(text);
            document.packages[0].license = text;
            CHECK(json::parse(spdx_json(document))["packages"][1]["licenseDeclared"] == "NOASSERTION");
        }
        document.packages[0].license = "GPL-2.0-or-later WITH Classpath-exception-2.0";
        CHECK(json::parse(spdx_json(document))["packages"][1]["licenseDeclared"] ==
              "GPL-2.0-or-later WITH Classpath-exception-2.0");
    }

    TEST_CASE("bad input is a one-line error naming the image and the problem") {
        SbomDocument document = sample();
        document.packages[1].name = "lib\xff";
        CHECK_THROWS_WITH_AS(
            spdx_json(document),
            contains("SBOM of xbuild-python-app:1.0 (linux/arm64/v8): package 'lib\xff' has a field "
                     "that is not UTF-8"),
            Error);
        document = sample();
        document.packages[0].version = "\xc0\x80";  // overlong NUL
        CHECK_THROWS_AS(spdx_json(document), Error);
        document = sample();
        document.image_digest = "sha256:abc";
        CHECK_THROWS_WITH_AS(spdx_json(document), contains("invalid digest 'sha256:abc'"), Error);
        document = sample();
        document.created = -1;
        CHECK_THROWS_WITH_AS(spdx_json(document),
                             contains("the creation time -1 is not between 1970 and 9999"), Error);
        document.created = 253402300800LL;
        CHECK_THROWS_AS(spdx_json(document), Error);
        document = sample();
        document.packages[0].purl = "deb/libc6";
        CHECK_THROWS_WITH_AS(spdx_json(document), contains("package 'libc6' has an invalid purl 'deb/libc6'"),
                             Error);
        document = sample();
        document.packages[0].kind = static_cast<Kind>(7);
        CHECK_THROWS_WITH_AS(spdx_json(document), contains("unknown package kind 7"), Error);
        document = sample();
        document.image_name = "";
        CHECK_THROWS_AS(spdx_json(document), Error);
        // Control characters are escaped in the JSON, and the purl percent-encodes them.
        document = sample();
        document.packages[1].version = "1\n2";
        const json doc = json::parse(spdx_json(document));
        CHECK(find_package(doc, "libyaml-0-2", "@1%0A2") != nullptr);
    }
}
