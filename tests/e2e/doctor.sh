# `xbuild doctor` reports what the host has and lacks, with fixes, and fails when something
# needed is missing.
source "$(dirname "$0")/lib.sh"

run_capture "$XBUILD" doctor --arch amd64,arm64
expect_eq "$CODE" 0 "doctor passes on a set-up machine (output: $OUT)"
for needle in "user namespaces" "mount namespaces" "net namespaces" "overlayfs" "mmdebstrap" "patchelf" \
    "free disk in cache"; do
    expect_contains "$OUT" "$needle" "doctor reports $needle"
done
foreign=$(foreign_arch)
qemu=$(uname_of "$foreign")
expect_contains "$OUT" "$foreign: binfmt qemu-$qemu" "doctor reports the binfmt entry"
expect_contains "$OUT" "$foreign: cross compiler" "doctor reports the cross compiler"

run_capture unshare -m sh -c 'mount -t tmpfs none /proc/sys/fs/binfmt_misc && exec "$0" doctor' "$XBUILD"
expect_eq "$CODE" 1 "doctor fails without binfmt_misc"
line=$(printf '%s\n' "$OUT" | grep "binfmt qemu-$qemu")
expect_contains "$line" "MISSING" "the binfmt line says MISSING"
expect_contains "$line" "fix: mount -t binfmt_misc" "the binfmt line gives the fix"

run_capture env PATH=/nonexistent "$XBUILD" doctor
expect_eq "$CODE" 1 "doctor fails without mmdebstrap in PATH"
expect_contains "$(printf '%s\n' "$OUT" | grep mmdebstrap)" "apt-get install mmdebstrap" "mmdebstrap fix"
