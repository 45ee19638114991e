#!/usr/bin/env bash
# fetch_fixture.sh NAME DEST_DIR
#
# Fetches the pinned source tarball of fixture NAME from recipes/fixtures.toml, verifies its
# checksum, and extracts it into DEST_DIR/NAME/ (the tarball's top-level directory stripped),
# then prints that path.
#
#   source = "debian": <mirror>/pool/main/<p|libX>/<source-package>/<file>, sha256-checked.
#                      The mirror is $XBUILD_MIRROR, else the first Debian release source of the
#                      host's apt sources (sources.list, sources.list.d/*.list, *.sources) that is
#                      not a security mirror, as xbuild itself picks it.
#   source = "npm":    <registry>/<name>/-/<name>-<version>.tgz, checked against the npm
#                      "integrity" (sha512); the registry is $NPM_CONFIG_REGISTRY, else
#                      `npm config get registry`, else https://registry.npmjs.org/.
#
# Downloads are cached, verified, in ${XBUILD_FIXTURE_CACHE:-$HOME/.cache/xbuild-fixtures}; a
# cached file is verified again before use. Each run re-extracts a pristine tree (builds write
# into source trees), replacing DEST_DIR/NAME atomically. On a checksum mismatch: one error line,
# exit status 1, nothing in DEST_DIR and nothing in the cache.
# Environment: XBUILD_FIXTURES (the fixtures.toml to read; default: the source tree's),
# XBUILD_MIRROR, XBUILD_APT_ETC (default /etc/apt; for tests), XBUILD_FIXTURE_CACHE.
set -euo pipefail

die() {
    echo "fetch_fixture: error: $*" >&2
    exit 1
}

[[ $# -eq 2 ]] || die "usage: fetch_fixture.sh NAME DEST_DIR"
name=$1
dest_dir=$2
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "invalid fixture name '$name'"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=${XBUILD_FIXTURES:-$(cd "$here/.." && pwd)/recipes/fixtures.toml}
[[ -r $fixtures ]] || die "cannot read $fixtures"
command -v python3 >/dev/null || die "python3 (>= 3.11, for tomllib) is needed to read $fixtures"
command -v curl >/dev/null || die "curl is needed to download fixtures"

# NAME's fields as shell-quoted assignments (f_source, f_file, f_sha256, ...).
# shellcheck disable=SC2016 # the ${...} in single quotes below is inside "$(...)", it expands
fields=$(python3 - "$fixtures" "$name" 2>&1 <<'EOF'
import shlex, sys
try:
    import tomllib
except ImportError:
    sys.exit(f"python3 {sys.version.split()[0]} has no tomllib (needs >= 3.11)")
path, name = sys.argv[1], sys.argv[2]
try:
    with open(path, "rb") as f:
        data = tomllib.load(f)
except (OSError, tomllib.TOMLDecodeError) as e:
    sys.exit(f"cannot parse {path}: {e}")
entry = data.get(name)
if not isinstance(entry, dict) or "source" not in entry:
    known = ", ".join(k for k, v in data.items() if isinstance(v, dict) and "source" in v)
    sys.exit(f"no fixture '{name}' in {path} (known: {known})")
for key in ("source", "source-package", "file", "version", "sha256", "integrity", "top-dir"):
    value = entry.get(key, "")
    if not isinstance(value, str):
        sys.exit(f"{path}: [{name}] {key} must be a string")
    print(f"f_{key.replace('-', '_')}={shlex.quote(value)}")
EOF
) || die "$(tail -n 1 <<<"${fields:-cannot read fixture '$name' from $fixtures}")"
f_source='' f_source_package='' f_file='' f_version='' f_sha256='' f_integrity='' f_top_dir=''
eval "$fields"
[[ -n $f_file && -n $f_top_dir ]] || die "[$name] in $fixtures needs file and top-dir"
[[ $f_file != */* && $f_file != .* ]] || die "[$name] file must be a plain file name, got '$f_file'"

# --- where to download from -------------------------------------------------------------------

# The first Debian release source (suite buster..sid/stable/testing/unstable, component main,
# http/https/file URI, no "security" in it) of the host's apt sources; the same rule as xbuild's
# builder/stage/apt_sources.cpp.
host_debian_mirror() {
    local etc=${XBUILD_APT_ETC:-/etc/apt} files=() f
    [[ -f $etc/sources.list ]] && files+=("$etc/sources.list")
    for f in "$etc"/sources.list.d/*.list "$etc"/sources.list.d/*.sources; do
        [[ -f $f ]] && files+=("$f")
    done
    ((${#files[@]})) || return 1
    # Sort the sources.list.d files by name, as apt (and xbuild) do; sources.list comes first.
    local sorted=()
    [[ ${files[0]} == "$etc/sources.list" ]] && sorted+=("${files[0]}") && files=("${files[@]:1}")
    if ((${#files[@]})); then
        while IFS= read -r f; do sorted+=("$f"); done < <(printf '%s\n' "${files[@]}" | LC_ALL=C sort)
    fi
    awk '
        function consider(uri, suites, comps,    n, i, s, ok, c, hasmain) {
            if (found || uri ~ /security/) return
            if (uri !~ /^(https?:\/\/|file:)/) return
            n = split(suites, s, /[ \t]+/); ok = 0
            for (i = 1; i <= n; i++)
                if (s[i] ~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|oldstable|testing|unstable)$/) ok = 1
            n = split(comps, c, /[ \t]+/); hasmain = 0
            for (i = 1; i <= n; i++) if (c[i] == "main") hasmain = 1
            if (!ok || !hasmain) return
            sub(/\/+$/, "", uri); print uri; found = 1
        }
        function flush(    n, u, i) {
            if (isdeb && enabled) { n = split(uris, u, /[ \t]+/); for (i = 1; i <= n; i++) if (u[i] != "") consider(u[i], suites, comps) }
            isdeb = 0; enabled = 1; uris = suites = comps = ""; last = ""; delete val
        }
        FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
        deb822 {
            if ($0 ~ /^#/) next
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            if ($0 ~ /^[ \t]/ && last != "") { v = $0; gsub(/^[ \t]+|[ \t\r]+$/, "", v); val[last] = val[last] " " v }
            else {
                i = index($0, ":"); if (!i) next
                last = tolower(substr($0, 1, i - 1)); gsub(/^[ \t]+|[ \t]+$/, "", last)
                v = substr($0, i + 1); gsub(/^[ \t]+|[ \t\r]+$/, "", v); val[last] = v
            }
            isdeb = (" " val["types"] " ") ~ /[ \t]deb[ \t]/
            enabled = tolower(val["enabled"]) != "no"
            uris = val["uris"]; suites = val["suites"]; comps = val["components"]
            next
        }
        {
            line = $0; sub(/#.*/, "", line)
            n = split(line, w, /[ \t]+/); j = 1; while (j <= n && w[j] == "") j++
            if (w[j] != "deb") next
            j++
            if (w[j] ~ /^\[/) { while (j <= n && w[j] !~ /\]$/) j++; j++ }
            uri = w[j]; suite = w[j + 1]; comps = ""
            for (k = j + 2; k <= n; k++) comps = comps " " w[k]
            if (uri != "" && suite != "") consider(uri, suite, comps)
        }
        END { flush() }
    ' "${sorted[@]}" | head -n 1
}

case $f_source in
debian)
    [[ -n $f_source_package && $f_sha256 =~ ^[0-9a-f]{64}$ ]] ||
        die "[$name] in $fixtures needs source-package and a 64-hex sha256"
    mirror=${XBUILD_MIRROR:-}
    if [[ -z $mirror ]]; then
        mirror=$(host_debian_mirror) || true
        [[ -n $mirror ]] || die "no Debian mirror in ${XBUILD_APT_ETC:-/etc/apt}/sources.list{,.d/}; set XBUILD_MIRROR"
    fi
    mirror=${mirror%/}
    if [[ $f_source_package == lib?* ]]; then prefix=${f_source_package:0:4}; else prefix=${f_source_package:0:1}; fi
    url="$mirror/pool/main/$prefix/$f_source_package/$f_file"
    ;;
npm)
    [[ -n $f_version && $f_integrity == sha512-* ]] || die "[$name] in $fixtures needs version and a sha512- integrity"
    registry=${NPM_CONFIG_REGISTRY:-}
    [[ -z $registry ]] && command -v npm >/dev/null && registry=$(npm config get registry 2>/dev/null || true)
    registry=${registry:-https://registry.npmjs.org/}
    pkg=${f_source_package:-$name}
    url="${registry%/}/$pkg/-/${pkg##*/}-$f_version.tgz"
    ;;
*) die "[$name] in $fixtures: unknown source '$f_source' (debian or npm)" ;;
esac

# --- download into the cache, verified --------------------------------------------------------

digest_ok() { # FILE -> status 0 when FILE matches the pinned digest
    if [[ $f_source == debian ]]; then
        [[ $(sha256sum "$1" | cut -d' ' -f1) == "$f_sha256" ]]
    else
        [[ "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)" == "$f_integrity" ]]
    fi
}
digest_of() {
    if [[ $f_source == debian ]]; then sha256sum "$1" | cut -d' ' -f1; else echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; fi
}
[[ $f_source == debian ]] || command -v openssl >/dev/null || die "openssl is needed to check npm integrity"

cache=${XBUILD_FIXTURE_CACHE:-$HOME/.cache/xbuild-fixtures}
mkdir -p "$cache" || die "cannot create cache directory $cache"
cached="$cache/$f_file"
if [[ -f $cached ]] && ! digest_ok "$cached"; then
    echo "fetch_fixture: cached $cached does not match its checksum; downloading again" >&2
    rm -f "$cached"
fi
if [[ ! -f $cached ]]; then
    part=$(mktemp "$cache/.$f_file.XXXXXX")
    trap 'rm -f "$part"' EXIT
    if ! err=$(curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 20 -o "$part" "$url" 2>&1); then
        err=$(tail -n 1 <<<"$err")
        die "download of $url failed: ${err#curl: }"
    fi
    if ! digest_ok "$part"; then
        got=$(digest_of "$part")
        die "checksum mismatch for $url: expected ${f_sha256:-$f_integrity}, got $got"
    fi
    chmod 644 "$part"
    mv -f "$part" "$cached"
    trap - EXIT
fi

# --- extract a pristine tree, replace DEST_DIR/NAME atomically -------------------------------

mkdir -p "$dest_dir" || die "cannot create $dest_dir"
dest_dir=$(cd "$dest_dir" && pwd)
target="$dest_dir/$name"
top=$(tar -tf "$cached" | head -n 1) || true
top=${top%%/*}
[[ $top == "$f_top_dir" ]] || die "$cached: top-level directory is '$top', fixtures.toml says '$f_top_dir'"
staging=$(mktemp -d "$dest_dir/.$name.XXXXXX")
trap 'rm -rf "$staging"' EXIT
tar -xf "$cached" -C "$staging" --no-same-owner --no-same-permissions
[[ -d $staging/$f_top_dir ]] || die "$cached has no directory $f_top_dir"
old=''
if [[ -e $target ]]; then
    old="$dest_dir/.$name.old.$$"
    mv "$target" "$old"
fi
mv "$staging/$f_top_dir" "$target"
rm -rf "$staging" ${old:+"$old"}
trap - EXIT
echo "$target"
