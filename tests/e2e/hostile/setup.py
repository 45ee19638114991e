# A hostile sdist: its build script runs probe.py (every escape attempt) while pip builds the
# wheel. pip runs setup.py more than once and hides its output; the probe runs the first time only
# and its report ships in the wheel as esc_report.py, where the test reads it.
import os
import subprocess
import sys

from setuptools import setup

here = os.path.dirname(os.path.abspath(__file__))
report = os.path.join(here, "esc_report.py")
if not os.path.exists(report):
    result = subprocess.run([sys.executable, os.path.join(here, "probe.py"), os.path.join(here, "probe.json"), "build"],
                            check=False, capture_output=True, text=True)
    with open(report, "w") as f:
        f.write("REPORT = %r\n" % (result.stdout + result.stderr))

setup(name="esc", version="1.0", py_modules=["esc", "esc_report"])
