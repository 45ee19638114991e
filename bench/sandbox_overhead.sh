#!/usr/bin/env bash
# Sandbox entry overhead: median wall time of `true` in a warm stage, three ways, in one run:
#   xbuild sandbox run -- true                        (mount/pid/ipc/uts/net namespaces, overlay, /dev, /proc, /tmp)
#   unshare -mpf --mount-proc chroot ROOT /bin/true   (the plain baseline the issue names)
#   unshare -mpfniu --mount-proc chroot ROOT true     (the baseline with the same namespaces as xbuild)
#   podman run --runtime runc of the same rootfs imported as an image
# Prints the medians and the ratios. Usage: bench/sandbox_overhead.sh [RUNS] (default 51).
# XBUILD_BEFORE=/path/to/an/older/xbuild also times that binary on the same stage, for a before/after
# ratio of a sandbox change (e.g. the user namespace, seccomp and limits defaults of issue #10).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
XBUILD=${XBUILD:-build/xbuild}
RUNS=${1:-51}
PODMAN_RUNS=$(( RUNS < 21 ? RUNS : 21 ))
export XBUILD_CACHE=${XBUILD_CACHE:-$PWD/build/bench-cache}

"$XBUILD" sandbox run -- true  # build (or reuse) the stage
root=$(ls -td "$XBUILD_CACHE"/rootfs/*/ | while read -r d; do
    grep -q '"kind": "runtime"' "$d/stage.json" && grep -q "\"arch\": \"$(dpkg --print-architecture)\"" "$d/stage.json" &&
        grep -q '"packages": \[' "$d/stage.json" && echo "$d" && break; done)root
[[ -x $root/usr/bin/true ]] || { echo "no warm stage found in $XBUILD_CACHE" >&2; exit 1; }


xb=$(median_ms "$RUNS" "$XBUILD" sandbox run -- true)
before=""
[[ -n ${XBUILD_BEFORE:-} ]] && before=$(median_ms "$RUNS" "$XBUILD_BEFORE" sandbox run -- true)
plain=$(median_ms "$RUNS" unshare -mpf --mount-proc chroot "$root" /bin/true)
same=$(median_ms "$RUNS" unshare -mpfniu --mount-proc chroot "$root" /bin/true)

podman_ms=""
if command -v podman >/dev/null; then
    image=localhost/xbuild-bench-rootfs:latest
    tar -C "$root" -c . | podman import -q - "$image" >/dev/null
    podman_ms=$(median_ms "$PODMAN_RUNS" podman run --rm --runtime runc --network none \
        --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$image" /bin/true)
    podman rmi -f "$image" >/dev/null 2>&1 || true
fi

echo "sandbox entry, median of $RUNS runs of 'true' in a warm trixie runtime stage:"
printf '  %-52s %8s ms\n' "xbuild sandbox run -- true" "$xb"
[[ -n $before ]] && printf '  %-52s %8s ms\n' "the same with $XBUILD_BEFORE" "$before"
printf '  %-52s %8s ms\n' "unshare -mpf --mount-proc chroot (plain)" "$plain"
printf '  %-52s %8s ms\n' "unshare -mpfniu --mount-proc chroot (same namespaces)" "$same"
[[ -n $podman_ms ]] && printf '  %-52s %8s ms  (%d runs)\n' "podman run --runtime runc" "$podman_ms" "$PODMAN_RUNS"
echo "ratio xbuild / plain unshare+chroot:           $(ratio "$xb" "$plain")x  (target <= 1.5x)"
echo "ratio xbuild / unshare+chroot, same namespaces: $(ratio "$xb" "$same")x"
[[ -n $before ]] && echo "ratio before / plain unshare+chroot:           $(ratio "$before" "$plain")x; after / before: $(ratio "$xb" "$before")x"
[[ -n $podman_ms ]] && echo "ratio podman / xbuild:                          $(ratio "$podman_ms" "$xb")x  (target >= 10x)"
exit 0
