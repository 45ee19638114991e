# The C++ extension; everything else is in pyproject.toml.
from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

setup(
    ext_modules=[
        Pybind11Extension(
            "xbuild_pybind_sample._core",
            ["src/wordfreq.cpp"],
            cxx_std=17,
            define_macros=[("XBUILD_SAMPLE_VERSION", '"1.0.0"')],
        )
    ],
)
