# The C extension links the system libyaml (libyaml-0.so.2); everything else is in pyproject.toml.
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "xbuild_yaml_sample._yamlcount",
            ["src/yamlcount.c"],
            libraries=["yaml"],
        )
    ],
)
