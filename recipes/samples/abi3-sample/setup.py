# A C extension on CPython's stable ABI (Py_LIMITED_API 3.9): one cp39-abi3 wheel serves CPython 3.9
# and every newer one. bdist_wheel's py_limited_api names the tag; the macro keeps the code to the
# limited API.
from setuptools import Extension, setup

setup(
    name="xbuild-abi3-sample",
    version="1.0.0",
    description="A stable-ABI (abi3) C extension, used by xbuild's tests",
    python_requires=">=3.9",
    packages=["xbuild_abi3_sample"],
    ext_modules=[
        Extension(
            "xbuild_abi3_sample._fnv",
            ["src/fnv.c"],
            define_macros=[("Py_LIMITED_API", "0x03090000")],
            py_limited_api=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp39"}},
)
