# xbuild image on the compiled samples (recipes/samples: yaml-service, C++ with CMake linking libyaml;
# go-app, Go with modules from Debian; rust-app, Rust with a crate from Debian; a Go project with a
# vendored module): x86_64 and arm64 images built in the cross toolchain stage, run by
# podman on both arches (arm64 under qemu); aarch64 ELF files, no compiler, header or shell; the
# C++ image's files; two clean builds with one digest; the SBOM's added package; the errors.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
samples="$root/recipes/samples"
podman_run=(podman run --rm --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# files ARCHIVE DIR ARCH: every path of the image of ARCH (its layers merged), "path type" lines
# sorted, read from the oci-archive by Python's tarfile (not by xbuild).
files() {
    mkdir -p "$2" && tar -xf "$1" -C "$2"
    python3 - "$2" "$3" <<'PY'
import json, sys, tarfile
top, arch = sys.argv[1], sys.argv[2]
blob = lambda d: f"{top}/blobs/sha256/{d.split(':')[1]}"
index = json.load(open(f"{top}/index.json"))
index = json.load(open(blob(index["manifests"][0]["digest"])))
manifest = next(m for m in index["manifests"] if m.get("platform", {}).get("architecture") == arch)
paths = {}
for layer in json.load(open(blob(manifest["digest"])))["layers"]:
    with tarfile.open(blob(layer["digest"])) as tar:
        for member in tar.getmembers():
            kind = "dir" if member.isdir() else "link" if member.issym() else "file"
            paths["/" + member.name.lstrip("./").rstrip("/")] = kind
for path in sorted(paths):
    print(path, paths[path])
PY
}

# The three samples, each for x86_64 and arm64, each run on both arches.
declare -A expected=(
    [yaml-service]='yaml-service on UNAME: 3 keys (name, ports, tags), libyaml 0.2.5'
    [go-app]='go-app on linux/DEBARCH: 3 words, width 13, sha256 a12d7eba7ba6'
    [rust-app]='rust-app on UNAME: fib(90) = 2880067194370816120, uid 65532'
)
for sample in yaml-service go-app rust-app; do
    run_capture "$XBUILD" image "$samples/$sample" -o "$WORK/$sample.tar" --json
    [[ $CODE -eq 0 ]] || fail "xbuild image $sample failed: $ERR"
    printf '%s\n' "$OUT" >"$WORK/$sample.json"
    tag=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tag"])' <<<"$OUT")
    for arch in amd64 arm64; do
        want=${expected[$sample]//UNAME/$(uname_of $arch)}
        run_capture "${podman_run[@]}" --arch "$arch" "oci-archive:$WORK/$sample.tar:$tag"
        [[ $CODE -eq 0 ]] || fail "podman run $sample on $arch failed: $ERR"
        expect_eq "$OUT" "${want//DEBARCH/$arch}" "podman runs the $arch $sample image"
        files "$WORK/$sample.tar" "$WORK/$sample-oci" "$arch" >"$WORK/$sample-$arch.files"
        # No compiler, headers, shell or package manager in any image.
        bad=$(grep -E '^/usr/(include|lib/gcc|libexec/gcc)/|^/usr/bin/([a-z0-9_-]*-)?(gcc|g\+\+|cc|c\+\+|clang|ld|as|cmake|go|cargo|rustc|make)(-[0-9.]+)? |/(bin|sbin)/(sh|bash|dash|apt|apt-get|dpkg) |\.h file$' \
            "$WORK/$sample-$arch.files" || true)
        [[ -z $bad ]] || fail "the $arch $sample image holds build tools or a shell: $bad"
    done
    # The arm64 programs are aarch64 ELF files (binutils' readelf, from the extracted layer).
    mkdir -p "$WORK/$sample-elf"
    python3 - "$WORK/$sample-oci" "$WORK/$sample-elf" <<'PY'
import json, sys, tarfile
top, out = sys.argv[1], sys.argv[2]
blob = lambda d: f"{top}/blobs/sha256/{d.split(':')[1]}"
index = json.load(open(blob(json.load(open(f"{top}/index.json"))["manifests"][0]["digest"])))
manifest = next(m for m in index["manifests"] if m.get("platform", {}).get("architecture") == "arm64")
for layer in json.load(open(blob(manifest["digest"])))["layers"]:
    with tarfile.open(blob(layer["digest"])) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("usr/local/bin/") and m.isfile()]
        tar.extractall(out, members=members, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(out, members=members)
PY
    for program in "$WORK/$sample-elf"/usr/local/bin/*; do
        machine=$(readelf -h "$program" | awk -F: '/Machine/ {gsub(/^ +/, "", $2); print $2}')
        expect_eq "$machine" "AArch64" "arm64 $sample: $(basename "$program") is an aarch64 ELF file"
    done
    pass "$sample: no compiler, header, shell or package manager in either image"
done

# The C++ image: the program, libyaml (added from the ELF closure, with its package) and the cc base;
# not the files the build installed but [build] install left out, not libyaml's -dev files.
echo "files of the amd64 yaml-service image:"
sed 's/^/    /' "$WORK/yaml-service-amd64.files"
yaml_files="$WORK/yaml-service-amd64.files"
grep -q '^/usr/local/bin/yaml-service file$' "$yaml_files" || fail "no /usr/local/bin/yaml-service"
grep -q '^/usr/lib/x86_64-linux-gnu/libyaml-0.so.2 link$' "$yaml_files" || fail "no libyaml-0.so.2 in the C++ image"
expect_eq "$(grep '^/usr/local/' "$yaml_files" | grep -v ' dir$')" "/usr/local/bin/yaml-service file" \
    "under /usr/local only the program [build] install names (not share/doc/yaml-service/README.md)"
[[ -z $(grep -E 'libyaml\.so |yaml\.h|/pkgconfig/' "$yaml_files") ]] || fail "libyaml's -dev files are in the image"
grep -q 'libyaml-0.so' "$WORK/rust-app-amd64.files" && fail "the Rust image (links no libyaml) holds libyaml"
packages=$(grep -oE '^/var/lib/dpkg/status.d/[^ .]+ file$' "$yaml_files" | sed -E 's|.*/||; s| file||' | sort | tr '\n' ' ')
rust_packages=$(grep -oE '^/var/lib/dpkg/status.d/[^ .]+ file$' "$WORK/rust-app-amd64.files" | sed -E 's|.*/||; s| file||' | sort | tr '\n' ' ')
expect_eq "$(comm -13 <(tr ' ' '\n' <<<"$rust_packages" | sort) <(tr ' ' '\n' <<<"$packages" | sort) | tr -d '\n')" "libyaml-0-2" \
    "the C++ image has the cc base's packages and libyaml-0-2 alone on top ($packages)"
expect_contains "$(cat "$WORK/yaml-service.json")" '"libyaml-0-2 0.2.5-' "--json lists the added package"
python3 - "$WORK/yaml-service.arm64.spdx.json" <<'PY' || fail "the SBOM does not list libyaml-0-2"
import json, sys, urllib.parse
doc = json.load(open(sys.argv[1]))
found = [p for p in doc["packages"] if p["name"] == "libyaml-0-2"]
assert found and found[0]["versionInfo"].startswith("0.2.5-"), found
purls = [urllib.parse.unquote(r["referenceLocator"]) for r in found[0].get("externalRefs", [])]
assert any(p.startswith("pkg:deb/debian/libyaml-0-2@0.2.5-") and "arch=arm64" in p for p in purls), purls
PY
pass "the arm64 SBOM lists libyaml-0-2 0.2.5 with its purl"

# The Go image is static: no C library at all.
grep -qE '/libc\.so\.6 ' "$WORK/go-app-amd64.files" && fail "the static Go image holds libc"
pass "the static Go image has no C library ($(grep -c ' file$' "$WORK/go-app-amd64.files") files)"

# A Go project that vendors its module (what `go mod vendor` writes): built with -mod=vendor.
mkdir -p "$WORK/vendored/vendor/example.com/wordcount"
cp "$samples/go-app/xbuild.toml" "$WORK/vendored/"
printf 'module example.com/vendored\n\ngo 1.22\n\nrequire example.com/wordcount v1.0.0\n' >"$WORK/vendored/go.mod"
printf '# example.com/wordcount v1.0.0\n## explicit; go 1.22\nexample.com/wordcount\n' >"$WORK/vendored/vendor/modules.txt"
printf 'package wordcount\n\nimport "strings"\n\nfunc Count(s string) int { return len(strings.Fields(s)) }\n' \
    >"$WORK/vendored/vendor/example.com/wordcount/wordcount.go"
printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n\n\t"example.com/wordcount"\n)\n\nfunc main() { fmt.Println("vendored:", wordcount.Count(os.Args[1])) }\n' \
    >"$WORK/vendored/main.go"
sed -i 's|^entrypoint = .*|entrypoint = ["/usr/local/bin/vendored"]|; s|^cmd = .*|cmd = ["one two three four"]|' "$WORK/vendored/xbuild.toml"
run_capture "$XBUILD" image "$WORK/vendored" --arch arm64 -o "$WORK/vendored.tar"
[[ $CODE -eq 0 ]] || fail "the vendored Go project failed: $ERR"
run_capture "${podman_run[@]}" --arch arm64 "oci-archive:$WORK/vendored.tar:xbuild-go-app:1.0"
expect_eq "$OUT" "vendored: 4" "a Go project's vendored module is built in (arm64)"

# Two clean builds: another xbuild binary (new result and image base keys: the program compiled and
# the bases extracted again; the toolchain stages shared) gives the same digests and archive. The
# first build is made again for arm64 alone (the cross build), and compared with it.
run_capture "$XBUILD" image "$samples/yaml-service" --arch arm64 -o "$WORK/first.tar" --json
[[ $CODE -eq 0 ]] || fail "the arm64 build failed: $ERR"
printf '%s\n' "$OUT" >"$WORK/first.json"
binary_copy "$WORK/xbuild-again"
run_capture "$WORK/xbuild-again" image "$samples/yaml-service" --arch arm64 -o "$WORK/again.tar" --json
[[ $CODE -eq 0 ]] || fail "the second build failed: $ERR"
expect_contains "$ERR" "arm64: building yaml-service (cmake)" "the second build compiled the program again"
expect_contains "$ERR" "building trixie/arm64 cc image base" "and made the base again"
digest() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["digest"], *[p["manifest"] for p in d["platforms"]])'; }
expect_eq "$(digest <<<"$OUT")" "$(digest <"$WORK/first.json")" "two clean builds give identical digests"
cmp -s "$WORK/first.tar" "$WORK/again.tar" || fail "the two oci-archives differ"
pass "and byte-identical oci-archives"

# Errors: one line naming the problem, nothing written.
# expect_build_error WHAT NEEDLE DIR: `xbuild image DIR` fails with one error line holding NEEDLE
# (the build log's last lines may come before it) and writes no archive or SBOM.
expect_build_error() {
    run_capture "$XBUILD" image "$3" --arch arm64 -o "$WORK/bad/image.tar"
    [[ $CODE -ne 0 ]] || fail "$1: exit code 0"
    local errors
    errors=$(printf '%s\n' "$ERR" | grep '^xbuild: error: ' || true)
    [[ $(grep -c . <<<"$errors") -eq 1 ]] || fail "$1: expected one error line: $ERR"
    [[ $errors == *"$2"* ]] || fail "$1: '$2' not in: $errors"
    [[ -z $(ls -A "$WORK/bad" 2>/dev/null) ]] || fail "$1: wrote $(ls "$WORK/bad")"
    pass "$1 -> $errors"
}
project() { rm -rf "$WORK/$1" && cp -r "$samples/$2" "$WORK/$1" && echo "$WORK/$1"; }
broken=$(project broken yaml-service)
sed -i 's/return 0;/return 0 +;/' "$broken/src/main.cpp"
expect_build_error "a compile error" "arm64: cmake build failed (exit 1)" "$broken"
nothing=$(project nothing yaml-service)
sed -i 's|^install = .*|install = ["bin/yaml-service", "lib/*.so*"]|' "$nothing/xbuild.toml"
expect_build_error "an install glob matching nothing" \
    "xbuild.toml: [build] install 'lib/*.so*' matches nothing the build installed under /usr/local" "$nothing"
crate=$(project crate rust-app)
sed -i 's/^\[dependencies\]$/[dependencies]\nserde_yaml_ng = "0.10"/' "$crate/Cargo.toml"
expect_build_error "a crate neither vendored nor packaged" "the crate 'serde_yaml_ng' is neither vendored" "$crate"
gomissing=$(project gomissing go-app)
sed -i 's|^require github.com/mattn/go-runewidth.*|&\nrequire github.com/google/uuid v1.6.0|' "$gomissing/go.mod"
sed -i 's|^\t"github.com/mattn/go-runewidth"|&\n\t"github.com/google/uuid"|; s|runewidth.StringWidth(text)|runewidth.StringWidth(text) + len(uuid.Nil.String())|' "$gomissing/main.go"
expect_build_error "a Go module neither vendored nor packaged" "the Go package 'github.com/google/uuid' is neither vendored" "$gomissing"
static=$(project static rust-app)
sed -i 's/^base = "cc"/base = "static"/' "$static/xbuild.toml"
expect_build_error "a dynamic program on the static base" \
    "/usr/local/bin/rust-app is dynamically linked (it needs /lib/ld-linux-aarch64.so.1)" "$static"
# A make project whose program needs a library it builds but does not install.
mkdir -p "$WORK/greet/src"
cat >"$WORK/greet/Makefile" <<'EOF'
prefix ?= /usr/local
greet: src/main.c libgreet.so.1
	$(CC) -o $@ src/main.c -L. -l:libgreet.so.1
libgreet.so.1: src/greet.c
	$(CC) -shared -fPIC -Wl,-soname,libgreet.so.1 -o $@ $<
install: greet
	install -D -m 755 greet $(DESTDIR)$(prefix)/bin/greet
EOF
printf 'const char* greeting(void) { return "hi"; }\n' >"$WORK/greet/src/greet.c"
printf '#include <stdio.h>\nconst char* greeting(void);\nint main(void) { puts(greeting()); return 0; }\n' >"$WORK/greet/src/main.c"
printf '[build]\nsystem = "make"\n[image]\ntag = "greet:1"\nbase = "cc"\n' >"$WORK/greet/xbuild.toml"
expect_build_error "a library no Debian package ships" \
    "/usr/local/bin/greet needs libgreet.so.1, which no Debian package of trixie ships" "$WORK/greet"
