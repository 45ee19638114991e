# The extension module; its greeting comes from the build's environment (cibuildwheel's
# environment option), so a test can tell which environment built each wheel.
import os

from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

greeting = os.environ.get("CIBW_EXAMPLE_GREETING", "unset")
setup(
    ext_modules=[
        Pybind11Extension(
            "cibw_example",
            ["src/main.cpp"],
            define_macros=[("GREETING", '"' + greeting + '"'), ("VERSION_INFO", '"0.1.0"')],
        )
    ],
)
