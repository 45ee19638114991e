# The staged build in miniature: a cross toolchain stage (host compilers + the target's
# multiarch packages) compiles for the foreign arch at native speed, a runtime stage of that
# arch runs the result under qemu. Also: --env, --workdir and a rw bind for the output.
source "$(dirname "$0")/lib.sh"

target=$(foreign_arch)
triplet=$([[ $target == arm64 ]] && echo aarch64-linux-gnu || echo x86_64-linux-gnu)
mkdir -p "$WORK/src"
cat >"$WORK/src/hello.c" <<'C'
#include <stdio.h>
#include <zlib.h>
int main(void) { printf("hello from %s, zlib %s\n", GREETING_ARCH, zlibVersion()); return 0; }
C

"$XBUILD" sandbox run --kind toolchain --target "$target" --packages "zlib1g-dev:$target" \
    --bind "$WORK/src:/src" --workdir /src --env "CC=$triplet-gcc" -- \
    sh -c '$CC -O2 -DGREETING_ARCH="\"$(uname -m)-built\"" -o hello hello.c -lz'
[[ -x $WORK/src/hello ]] || fail "no binary produced"
machine=$(od -An -tx2 -j18 -N2 "$WORK/src/hello" | tr -d ' ')
expected=$([[ $target == arm64 ]] && echo 00b7 || echo 003e)
expect_eq "$machine" "$expected" "the cross-compiled binary is a $target ELF"

out=$("$XBUILD" sandbox run --arch "$target" --packages zlib1g --bind "$WORK/src:/src:ro" -- /src/hello)
expect_contains "$out" "hello from $(uname -m)-built, zlib 1." "runs in a $target runtime stage (compiled on $(uname -m))"

# The toolchain stage's package manifest records the target's -dev package (multiarch).
grep -lq "^zlib1g-dev	$target	" "$XBUILD_CACHE"/rootfs/*/packages.tsv || fail "no manifest lists zlib1g-dev:$target"
pass "the toolchain manifest lists zlib1g-dev:$target"
