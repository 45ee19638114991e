# Must show 4: the second run of the same stage does not call mmdebstrap (cache hit) and is
# fast; two processes asking for the same new stage at once build it once.
source "$(dirname "$0")/lib.sh"

# A private cache and an mmdebstrap wrapper that counts its calls.
export XBUILD_CACHE="$WORK/cache"
mkdir -p "$WORK/bin"
real=$(command -v mmdebstrap)
cat >"$WORK/bin/mmdebstrap" <<SH
#!/bin/sh
echo call >>"$WORK/mmdebstrap.calls"
exec "$real" "\$@"
SH
chmod +x "$WORK/bin/mmdebstrap"
export PATH="$WORK/bin:$PATH"
calls() { [[ -f $WORK/mmdebstrap.calls ]] && wc -l <"$WORK/mmdebstrap.calls" || echo 0; }

out=$("$XBUILD" sandbox run -- uname -m)
expect_eq "$out" "$(uname -m)" "first run works"
expect_eq "$(calls)" 1 "first run built the stage"
start=$(date +%s%N)
out=$("$XBUILD" sandbox run -- uname -m)
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "$(calls)" 1 "second run is a cache hit (mmdebstrap not called)"
echo "info: warm run took ${elapsed_ms} ms"

# The cache records the installed packages (for lock files and SBOMs).
key=$(ls "$XBUILD_CACHE/rootfs")
grep -q "^coreutils	$(host_deb_arch)	" "$XBUILD_CACHE/rootfs/$key/packages.tsv" || fail "packages.tsv lacks coreutils"
pass "packages.tsv records coreutils with its version"
grep -q '"kind": "runtime"' "$XBUILD_CACHE/rootfs/$key/stage.json" || fail "stage.json lacks the kind"
pass "stage.json records the stage inputs"

# A different package set is a different stage.
"$XBUILD" sandbox run --packages hello -- hello >/dev/null
expect_eq "$(calls)" 2 "another package set builds another stage"

# Two concurrent requests for one new stage: one builds, the other waits and reuses it.
"$XBUILD" sandbox run --packages sed -- sed --version >"$WORK/a.out" 2>"$WORK/a.err" &
a=$!
"$XBUILD" sandbox run --packages sed -- sed --version >"$WORK/b.out" 2>"$WORK/b.err" &
b=$!
wait $a || fail "first concurrent run failed: $(cat "$WORK/a.err")"
wait $b || fail "second concurrent run failed: $(cat "$WORK/b.err")"
expect_eq "$(calls)" 3 "concurrent requests built the stage once"
grep -q "GNU sed" "$WORK/a.out" && grep -q "GNU sed" "$WORK/b.out" || fail "concurrent runs did not both run"
pass "both concurrent runs used the stage"
expect_eq "$(find "$XBUILD_CACHE/rootfs" -maxdepth 1 -name '.*' | wc -l)" 0 "no partial builds left"
