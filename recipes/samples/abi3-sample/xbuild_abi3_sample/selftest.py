"""Checks the extension against a pure-Python FNV-1a and prints what ran it."""

import platform
import sys

from xbuild_abi3_sample import _fnv, fnv1a


def reference(data: bytes) -> int:
    value = 14695981039346656037
    for byte in data:
        value = ((value ^ byte) * 1099511628211) % (1 << 64)
    return value


for sample in (b"", b"a", b"hello xbuild", bytes(range(256))):
    assert fnv1a(sample) == reference(sample), sample
# The extension file is the stable-ABI one: "_fnv.abi3.so", whatever Python loads it.
assert _fnv.__file__.endswith(".abi3.so"), _fnv.__file__
print(f"abi3 selftest ok: CPython {platform.python_version()} on {platform.machine()} ({_fnv.__file__.rsplit('/', 1)[-1]})")
sys.exit(0)
