# Must show 1: `xbuild sandbox run --arch arm64 -- uname -m` prints aarch64; x86_64 prints x86_64.
source "$(dirname "$0")/lib.sh"

for arch in amd64 arm64; do
    out=$("$XBUILD" sandbox run --arch "$arch" -- uname -m)
    expect_eq "$out" "$(uname_of "$arch")" "uname -m in a $arch sandbox"
done
# Every spelling of the arch names the same stage.
out=$("$XBUILD" sandbox run --arch aarch64 -- uname -m)
expect_eq "$out" aarch64 "--arch aarch64 is arm64"
# The binary that ran is an ELF of the rootfs arch (not the host's uname through qemu magic).
out=$("$XBUILD" sandbox run --arch arm64 -- od -An -tx2 -j18 -N2 /usr/bin/uname | tr -d ' ')
expect_eq "$out" 00b7 "e_machine of /usr/bin/uname in the arm64 rootfs is EM_AARCH64"
# Exit status of CMD is returned.
code=0
"$XBUILD" sandbox run -- sh -c 'exit 7' 2>/dev/null || code=$?
[[ $code -ne 0 ]] || fail "a missing shell must fail"
code=0
"$XBUILD" sandbox run -- false || code=$?
expect_eq "$code" 1 "exit status of CMD (false)"
