"""Self-test run by xbuild in the target-arch runtime stage: python3 -m xbuild_yaml_sample.selftest"""

import platform
import re
import sys

import xbuild_yaml_sample as s

DOC = """\
name: xbuild
arches: [x86_64, aarch64]
anchors:
  base: &b {cc: gcc, level: 2}
  copy: *b
---
- just
- "a list"
"""


def main() -> int:
    assert s.count_scalars("") == 0
    assert s.count_scalars("hello") == 1
    assert s.count_scalars(b"a: 1\nb: [2, 3]\n") == 5
    assert s.count_scalars(DOC) == 14, s.count_scalars(DOC)
    counts = s.event_counts(DOC)
    assert counts == {"scalar": 14, "mapping": 3, "sequence": 2, "document": 2, "alias": 1}, counts
    assert s.count_scalars("caf\u00e9: \u00fcber") == 2

    for bad, expected in (("a: [1, 2", ValueError), ("key: value\n bad indent: x", ValueError), (42, TypeError)):
        try:
            s.count_scalars(bad)
        except expected as error:
            assert str(error), "empty exception message"
        else:
            raise AssertionError(f"{expected.__name__} not raised for {bad!r}")

    version = s.libyaml_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    machine = platform.machine()
    assert s.compiled_for() == machine, f"module compiled for {s.compiled_for()}, running on {machine}"
    print(f"yaml-sample ok on {machine} (python {platform.python_version()}, libyaml {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
