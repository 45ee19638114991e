"""The ``xbuild`` command of the wheel: runs the binary the package holds (``python -m xbuild`` too)."""

import os
import sys

from . import binary


def main() -> None:
    exe = binary()
    if not exe:
        sys.exit("xbuild: the xbuild binary was not found: set XBUILD_BINARY to its path or put it on PATH")
    if os.path.realpath(exe) == os.path.realpath(sys.argv[0]):
        sys.exit(f"xbuild: {exe} is this script, not the xbuild binary: set XBUILD_BINARY to the binary")
    # The binary becomes this process: its exit status, signals and terminal are the caller's.
    os.execv(exe, [exe] + sys.argv[1:])


if __name__ == "__main__":
    main()
