#!/usr/bin/env python3
"""Tries to escape xbuild's sandbox the ways an attacker's build script would, and prints one line
per attempt: "probe NAME: blocked (...)", "probe NAME: bounded at ...", or "probe NAME: ESCAPED (...)".

Usage: probe.py CONFIG.json [WHERE]. CONFIG names the marker file on the host that an escape would
write, the host's root device (major, minor), the value of a variable set only in xbuild's own
environment, and the read-only binds to try to remount (the first that is a mount point here). The exit code is 0 whatever happened: the test
reads the lines.
"""
import ctypes
import errno
import json
import os
import signal
import sys
import time

config = json.load(open(sys.argv[1]))
where = sys.argv[2] if len(sys.argv) > 2 else "build"
libc = ctypes.CDLL(None, use_errno=True)
MS_BIND, MS_REMOUNT, MS_RDONLY = 4096, 32, 1
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def report(name, escaped, detail):
    print(f"probe {where} {name}: {'ESCAPED' if escaped else detail}" + (f" ({detail})" if escaped else ""),
          flush=True)


def err():
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def mark(how):
    """What a successful escape does: write the marker on the host."""
    try:
        with open(config["marker"], "w") as f:
            f.write(how)
    except OSError:
        pass


def probe_mknod_and_mount():
    major, minor = config["root_device"]
    node = "/tmp/xbuild-probe-disk"
    try:
        os.mknod(node, 0o600 | 0o060000, os.makedev(major, minor))
    except OSError as e:
        report("mknod", False, f"blocked ({errno.errorcode[e.errno]})")
        return
    os.makedirs("/tmp/xbuild-probe-mnt", exist_ok=True)
    for fstype in (b"ext4", b"xfs", b"btrfs"):
        if libc.mount(node.encode(), b"/tmp/xbuild-probe-mnt", fstype, 0, None) == 0:
            host_marker = "/tmp/xbuild-probe-mnt" + config["marker"]
            try:
                with open(host_marker, "w") as f:
                    f.write("mknod+mount")
            except OSError:
                pass
            report("mknod", True, f"mounted the host disk as {fstype.decode()}")
            return
    report("mknod", False, f"blocked (node made, mount refused: {err()})")


def probe_mount():
    os.makedirs("/tmp/xbuild-probe-tmpfs", exist_ok=True)
    if libc.mount(b"none", b"/tmp/xbuild-probe-tmpfs", b"tmpfs", 0, None) == 0:
        report("mount", True, "mounted a tmpfs")
    else:
        report("mount", False, f"blocked ({err()})")


def probe_remount_ro():
    # Only real mount points count: a directory of the stage's own rootfs (an overlay that is
    # thrown away) is writable by design.
    with open("/proc/self/mountinfo") as f:
        mount_points = {line.split()[4] for line in f}
    candidates = [p for p in config.get("read_only", []) if p in mount_points and os.path.isdir(p)]
    if not candidates:
        report("remount", False, "skipped (no read-only bind here)")
        return
    path = candidates[0]
    if libc.mount(None, path.encode(), None, MS_REMOUNT | MS_BIND, None) == 0:
        report("remount", True, f"remounted {path} read-write")
        return
    for target in (path, *[os.path.join(path, d) for d in sorted(os.listdir(path))]):
        if os.path.isdir(target):
            try:
                with open(os.path.join(target, "xbuild-probe-write"), "w") as f:
                    f.write("x")
                report("remount", True, f"wrote into read-only {target}")
                mark("ro bind")
                return
            except OSError:
                pass
    report("remount", False, f"blocked (remount {err()}, writes refused)")


def probe_proc_writes():
    wrote = []
    for path in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"):
        try:
            fd = os.open(path, os.O_WRONLY)
            os.close(fd)
            wrote.append(path)
        except OSError:
            pass
    if wrote:
        report("proc-sys", True, "opened for writing: " + " ".join(wrote))
    else:
        report("proc-sys", False, "blocked (read-only)")
    try:
        data = open("/proc/kcore", "rb").read(64)
        if data:
            report("kcore", True, "read /proc/kcore")
        else:
            report("kcore", False, "blocked (masked)")
    except OSError as e:
        report("kcore", False, f"blocked ({errno.errorcode[e.errno]})")


def probe_environ():
    secret = config["secret"].encode()
    found = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        for name in ("environ", "cmdline"):
            try:
                if secret in open(f"/proc/{pid}/{name}", "rb").read():
                    found.append(f"/proc/{pid}/{name}")
            except OSError:
                pass
    if found:
        report("environ", True, "host secret in " + " ".join(found))
    else:
        report("environ", False, "blocked (no host variable visible)")


def probe_ptrace():
    PTRACE_ATTACH, PTRACE_DETACH = 16, 17
    if libc.ptrace(PTRACE_ATTACH, 1, None, None) == 0:
        time.sleep(0.1)
        libc.ptrace(PTRACE_DETACH, 1, None, None)
        report("ptrace", True, "attached to pid 1")
    else:
        report("ptrace", False, f"blocked ({err()})")


def probe_namespaces():
    for name, flag in (("unshare-user", CLONE_NEWUSER), ("unshare-mount", CLONE_NEWNS)):
        if libc.unshare(flag) == 0:
            report(name, True, "made a new namespace")
        else:
            report(name, False, f"blocked ({err()})")
    SYS_keyctl = {"x86_64": 250, "aarch64": 219}.get(os.uname().machine)
    if SYS_keyctl:
        if libc.syscall(SYS_keyctl, 0, 0, 0, 0, 0) >= 0:
            report("keyctl", True, "keyctl works")
        else:
            report("keyctl", False, f"blocked ({err()})")


def probe_processes():
    pids = []
    failure = ""
    for _ in range(10000):
        try:
            pids.append(os.posix_spawn("/bin/sleep", ["sleep", "120"], {}))
        except OSError as e:
            failure = errno.errorcode[e.errno]
            break
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        os.waitpid(pid, 0)
    if len(pids) >= 10000:
        report("processes", True, "started 10000 processes")
    else:
        report("processes", False, f"bounded at {len(pids)} ({failure})")


def probe_fill(directory, limit_bytes):
    path = os.path.join(directory, "xbuild-probe-fill")
    written = 0
    chunk = b"\xa5" * (1 << 20)
    failure = ""
    try:
        with open(path, "wb") as f:
            while written < limit_bytes:
                f.write(chunk)
                f.flush()
                written += len(chunk)
    except OSError as e:
        failure = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    name = "fill-" + directory.strip("/").replace("/", "-")
    if written >= limit_bytes:
        report(name, True, f"wrote {written >> 20} MiB")
    else:
        report(name, False, f"bounded at {written >> 20} MiB ({failure})")


def main():
    probe_mknod_and_mount()
    probe_mount()
    probe_remount_ro()
    probe_proc_writes()
    probe_environ()
    probe_ptrace()
    probe_namespaces()
    probe_processes()
    probe_fill("/tmp", 4 << 30)
    probe_fill("/dev/shm", 1 << 30)
    print(f"probe {where} done", flush=True)


main()
