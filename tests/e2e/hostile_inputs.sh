# The hostile-input suite (issue #10, "parsers stream and bound"): wheels and sdists that each abuse one
# parser are refused by xbuild repair, inspect and wheels with one error line naming the problem, a
# peak RSS (GNU time's "Maximum resident set size") under 256 MB, and nothing left behind: not in the
# output directory, not in the cache's work directory, not in TMPDIR. Every input is made at test time
# by make_hostile_inputs.py.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
[[ -x /usr/bin/time ]] || fail "/usr/bin/time is missing (GNU time: ./bootstrap setup installs it)"

inputs="$WORK/inputs"
arch=$(uname -m)
/usr/bin/python3 "$here/make_hostile_inputs.py" "$inputs" "$arch" || fail "making the hostile inputs failed"
rm -rf "$inputs"/src-*  # the sparse sources (3 GB apparent each) are not needed any more
pass "hostile inputs made: $(cd "$inputs" && du -ch -- * | tail -1 | cut -f1) in all"

# A cache and a TMPDIR of this test's own: what a refused input leaves behind is seen here, never
# confused with what tests running beside it write, and a stage that xbuild would start to build
# (it must not: every input is refused before) would show too.
cache="$WORK/cache"
out="$WORK/out"
export TMPDIR="$WORK/tmp"
mkdir -p "$cache" "$TMPDIR"
limit_kb=$((256 * 1024))
rss_report="$WORK/rss.txt"

nothing_left() {
    local what=$1 left
    # (find fails for the directories that were never made: that is fine.)
    left=$(find "$out" "$cache/work" "$TMPDIR" "$cache/rootfs" "$cache/wheels" -mindepth 1 2>/dev/null || true)
    [[ -z $left ]] || fail "$what: left behind: $(head -5 <<<"$left")"
    left=$(find "$inputs" -mindepth 1 -newer "$WORK/.stamp" || true)
    [[ -z $left ]] || fail "$what: wrote beside its input: $left"
}

# hostile WHAT NEEDLE ARGS...: `xbuild ARGS` fails with one "xbuild: error:" line holding NEEDLE, within
# the memory limit, leaving nothing behind.
hostile() {
    local what=$1 needle=$2
    shift 2
    touch "$WORK/.stamp"
    expect_error "$what" "$needle" /usr/bin/time -v -o "$WORK/time.txt" "$XBUILD" --cache "$cache" "$@"
    local kb
    kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/time.txt")
    [[ -n $kb ]] || fail "$what: no peak RSS in $(cat "$WORK/time.txt")"
    ((kb < limit_kb)) || fail "$what: peak RSS $((kb / 1024)) MB, over 256 MB"
    printf '%-58s %4d MB\n' "$what" $((kb / 1024)) >>"$rss_report"
    pass "$what: peak RSS $((kb / 1024)) MB"
    nothing_left "$what"
    pass "$what: nothing left behind"
}

tag="cp313-cp313-linux_$arch"
wheel_case() {  # wheel_case WHAT NAME NEEDLE: the wheel through inspect and repair
    local what=$1 wheel="$inputs/$2-1.0-$tag.whl" needle=$3
    hostile "inspect: $what" "$needle" inspect "$wheel"
    hostile "repair: $what" "$needle" repair "$wheel" -w "$out"
}

wheel_case "2 GiB zero entry" zero "a compression ratio above the limit of 200:1 (XBUILD_MAX_COMPRESSION_RATIO)"
expect_contains "$ERR" "entry 'zero/zeros.bin'" "the refusal names the entry"
wheel_case "entry that lies about its size" liar \
    "entry 'liar/data.bin' is corrupt (it inflates to more than the 1024 bytes its headers declare)"
wheel_case "ELF symbols sharing one long name" onename \
    "onename/_ext.so: the strings read for .dynsym exceed the limit of 64 MiB (XBUILD_MAX_ELF_STRING_BYTES)"
wheel_case "ELF files each under the limits, too many together" many \
    "the ELF files read together take more than 160 MiB in symbols and strings (XBUILD_MAX_ELF_TOTAL_BYTES)"
wheel_case "RECORD hash mismatch" record \
    "record-1.0-$tag.whl: pkg-1.0.dist-info/RECORD: the sha256 of 'pkg/__init__.py' does not match its content"
wheel_case "CRC wrong only in the central directory" crc \
    "entry 'pkg/__init__.py': its local header and the central directory disagree on the CRC-32"
wheel_case "FIFO entry made by MS-DOS" fifo "entry 'pkg/pipe' is a fifo (mode 10644), not a regular file or a directory"
wheel_case "local and central names differ" rename \
    "entry 'pkg/__init__.py' has another name in its local header: 'pkg/__evil__.py'"

for form in gnu posix; do
    hostile "wheels: sparse 3 GB file ($form tar)" "entry 'sparse-1.0/big.bin' is a sparse file" \
        wheels "$inputs/sparse-$form-1.0.tar.gz" -o "$out"
done
hostile "wheels: a 5 GiB file in a 105-byte sdist" \
    "entry 'huge-1.0/blob.bin' makes the extracted files larger than 4 GiB (XBUILD_MAX_SDIST_SIZE)" \
    wheels "$inputs/huge-1.0.tar.gz" -o "$out"
[[ ! -d $cache/logs ]] || [[ -z $(ls -A "$cache/logs") ]] || fail "a refused sdist started a build: $(ls -A "$cache/logs")"
pass "the refused sdists started no build"

# The limits are configurable: with a higher ratio limit the zero entry passes that check (and is then
# extracted to disk, in chunks: memory stays flat), and the wheel is refused for what it lacks next.
export XBUILD_MAX_COMPRESSION_RATIO=2000
hostile "inspect: 2 GiB zero entry, ratio limit 2000:1" "no .dist-info directory" inspect "$inputs/zero-1.0-$tag.whl"
export XBUILD_MAX_UNPACKED_SIZE=1G
hostile "inspect: 2 GiB zero entry, size limit 1G" "makes more than 1 GiB uncompressed (XBUILD_MAX_UNPACKED_SIZE)" \
    inspect "$inputs/zero-1.0-$tag.whl"
unset XBUILD_MAX_UNPACKED_SIZE XBUILD_MAX_COMPRESSION_RATIO
expect_error "a malformed limit" "XBUILD_MAX_COMPRESSION_RATIO: 'many' is not a positive size" \
    env XBUILD_MAX_COMPRESSION_RATIO=many "$XBUILD" --cache "$cache" inspect "$inputs/zero-1.0-$tag.whl"

echo "peak RSS per hostile case (limit 256 MB):"
cat "$rss_report"
