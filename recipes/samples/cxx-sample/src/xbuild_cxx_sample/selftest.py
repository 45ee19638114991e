"""Run in the target's test stage: the extension must load and its C++ must work."""
import platform
import sys
import tempfile

from xbuild_cxx_sample import run

with tempfile.TemporaryDirectory() as directory:
    result = run(directory)
if result != 15351:
    sys.exit(f"cxx-sample: expected 15351, got {result}")
print(f"cxx-sample ok on {platform.machine()} (Python {platform.python_version()}): {result}")
