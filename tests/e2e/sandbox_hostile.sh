# Issue #10, must show 1: hostile builds. A setup.py (xbuild wheels of an sdist) and a binding.gyp
# action (xbuild prebuild) run tests/e2e/hostile/probe.py, which tries every escape: mknod of the
# host's disk and mount, remount of a read-only bind, writes to /proc/sys, the host's environment
# through /proc/1, ptrace of pid 1, 10,000 processes, filling /tmp and /dev/shm, new namespaces,
# the keyring. Each attempt must fail or be bounded, xbuild must return, and the marker file an
# escape would write on the host must never appear. Run as root; XBUILD_HOSTILE_USER=name reruns
# both builds as that (unprivileged) user.
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

marker="/tmp/xbuild-escape-marker-$$-$RANDOM"
secret="xbuild-host-secret-$RANDOM$RANDOM"
rm -f "$marker"
cleanup_hooks+=("rm -f '$marker'")
read -r major minor < <(/usr/bin/python3 -c 'import os; d = os.stat("/").st_dev; print(os.major(d), os.minor(d))')
config=$(printf '{"marker": "%s", "root_device": [%s, %s], "secret": "%s", "read_only": ["/xbuild", "/project", "/in"]}' \
    "$marker" "$major" "$minor" "$secret")

# Every probe of a run must have reported, none escaped, and the marker must not exist.
# check_probes LOG WHERE WHAT
check_probes() {
    local log=$1 where=$2 what=$3 name line
    [[ -f $log ]] || fail "$what: no log at $log"
    if grep -q "^probe $where .*ESCAPED" "$log"; then
        fail "$what: $(grep "^probe $where .*ESCAPED" "$log" | tr '\n' ';')"
    fi
    for name in mknod mount remount proc-sys kcore environ ptrace unshare-user unshare-mount processes fill-tmp fill-dev-shm; do
        line=$(grep -m1 "^probe $where $name: " "$log") || fail "$what: probe '$name' did not report (log: $log)"
        [[ $line == *": blocked "* || $line == *": bounded at "* || $line == *": skipped "* ]] || fail "$what: $line"
    done
    grep -q "^probe $where done" "$log" || fail "$what: the probe did not finish"
    # The limits hold at their defaults: 4096 processes, a 1 GiB /tmp, a 64 MiB /dev/shm.
    line=$(grep -m1 "^probe $where processes: " "$log")
    [[ $line =~ bounded\ at\ ([0-9]+) ]] && ((BASH_REMATCH[1] <= 4096)) || fail "$what: $line"
    line=$(grep -m1 "^probe $where fill-tmp: " "$log")
    [[ $line =~ bounded\ at\ ([0-9]+) ]] && ((BASH_REMATCH[1] <= 1024)) || fail "$what: $line"
    line=$(grep -m1 "^probe $where fill-dev-shm: " "$log")
    [[ $line =~ bounded\ at\ ([0-9]+) ]] && ((BASH_REMATCH[1] <= 64)) || fail "$what: $line"
    [[ ! -e $marker ]] || fail "$what: the marker $marker was written on the host"
    pass "$what: every escape failed or was bounded ($(grep -c "^probe $where " "$log") probe lines)"
}

# Runs CMD as root or, with XBUILD_HOSTILE_USER, as that user (with its own cache).
as_caller() {
    if [[ -n ${XBUILD_HOSTILE_USER:-} ]]; then
        setpriv --reuid="$XBUILD_HOSTILE_USER" --regid="$XBUILD_HOSTILE_USER" --init-groups --reset-env \
            env XBUILD_CACHE="$XBUILD_CACHE" HOME="$WORK" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
            XBUILD_REGISTRY_AUTH="$secret" "$@"
    else
        XBUILD_REGISTRY_AUTH="$secret" "$@"
    fi
}
if [[ -n ${XBUILD_HOSTILE_USER:-} ]]; then
    # A system user with subordinate ids (toolchain stages run maintainer scripts: mmdebstrap
    # --mode=unshare) and a cache of its own.
    [[ $(id -u) -eq 0 ]] || fail "XBUILD_HOSTILE_USER needs root to set the user up"
    id "$XBUILD_HOSTILE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$XBUILD_HOSTILE_USER"
    grep -q "^$XBUILD_HOSTILE_USER:" /etc/subuid || usermod --add-subuids 300000-365535 "$XBUILD_HOSTILE_USER"
    grep -q "^$XBUILD_HOSTILE_USER:" /etc/subgid || usermod --add-subgids 300000-365535 "$XBUILD_HOSTILE_USER"
    export XBUILD_CACHE="$WORK/cache"
    mkdir -p "$XBUILD_CACHE"
    chown -R "$XBUILD_HOSTILE_USER" "$WORK"
fi

# ---- a setup.py: xbuild wheels of a hostile sdist (build in the toolchain stage, test in the runtime stage)
mkdir -p "$WORK/esc-1.0" "$WORK/wheelhouse"
cp "$here/hostile/setup.py" "$here/hostile/pyproject.toml" "$here/hostile/esc.py" "$here/hostile/probe.py" "$WORK/esc-1.0/"
printf '%s\n' "$config" >"$WORK/esc-1.0/probe.json"
tar -C "$WORK" -czf "$WORK/esc-1.0.tar.gz" esc-1.0
[[ -z ${XBUILD_HOSTILE_USER:-} ]] || chown -R "$XBUILD_HOSTILE_USER" "$WORK"
code=0
as_caller timeout 1200 "$XBUILD" wheels "$WORK/esc-1.0.tar.gz" --python 3.13 -o "$WORK/wheelhouse" --json >"$WORK/wheels.json" 2>"$WORK/wheels.err" || code=$?
[[ $code -ne 124 ]] || fail "xbuild wheels did not return within 20 minutes"
log=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["log"])' "$WORK/wheels.json") ||
    fail "xbuild wheels printed no result (exit $code): $(tail -5 "$WORK/wheels.err")"
# setup.py's probe report travels in the wheel (pip hides a build backend's output).
wheel=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["wheel"])' "$WORK/wheels.json")
/usr/bin/python3 -c 'import sys, zipfile; ns = {}; exec(zipfile.ZipFile(sys.argv[1]).read("esc_report.py"), ns); print(ns["REPORT"])' \
    "$wheel" >"$WORK/setup-report.txt" || fail "no probe report in $wheel"
check_probes "$WORK/setup-report.txt" build "setup.py in the toolchain stage"
check_probes "$log" test "the test command in the runtime stage"
grep -q '^xbuild: sandbox: refused mount() ' "$log" || fail "the refused mount() is not in the build log"
pass "refused calls are named in the build log: $(grep -m1 '^xbuild: sandbox: refused mount() ' "$log")"
expect_eq "$code" 0 "xbuild wheels still builds the (harmless) wheel"

# ---- a binding.gyp action: xbuild prebuild of a hostile addon
cp -r "$here/hostile/node" "$WORK/addon"
cp "$here/hostile/probe.py" "$WORK/addon/"
printf '%s\n' "$config" >"$WORK/addon/probe.json"
[[ -z ${XBUILD_HOSTILE_USER:-} ]] || chown -R "$XBUILD_HOSTILE_USER" "$WORK"
code=0
as_caller timeout 1200 "$XBUILD" prebuild "$WORK/addon" --json >"$WORK/prebuild.json" 2>"$WORK/prebuild.err" || code=$?
[[ $code -ne 124 ]] || fail "xbuild prebuild did not return within 20 minutes"
log=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["log"])' "$WORK/prebuild.json") ||
    fail "xbuild prebuild printed no result (exit $code): $(tail -5 "$WORK/prebuild.err")"
check_probes "$log" build "a binding.gyp action in the toolchain stage"
expect_eq "$code" 0 "xbuild prebuild still builds the (harmless) addon"

# ---- xbuild sandbox run: a read-only bind with a submount stays read-only all the way down
if [[ -z ${XBUILD_HOSTILE_USER:-} ]]; then
    mkdir -p "$WORK/ro/sub"
    mount -t tmpfs -o size=1m tmpfs "$WORK/ro/sub"
    cleanup_hooks+=("umount '$WORK/ro/sub'")
    code=0
    "$XBUILD" sandbox run --bind "$WORK/ro:/in:ro" -- sh -c 'touch /in/sub/x' 2>/dev/null || code=$?
    [[ $code -ne 0 && ! -e $WORK/ro/sub/x ]] || fail "a submount of a read-only bind was writable"
    pass "submounts of a read-only bind are read-only"
fi
