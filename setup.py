"""xbuild's own wheel: the `xbuild` Python package (python/binding/) with the binary and its recipes.

`xbuild wheels .` builds it (pyproject.toml's [tool.xbuild] names the libraries); setuptools drives
CMake, which compiles the library once for both the binary and the module. The version is CMake's
project version (CMakeLists.txt), the only place it is written.
"""

import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def cmake_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        found = re.search(r"project\(xbuild VERSION ([0-9.]+)", f.read())
    if not found:
        sys.exit("CMakeLists.txt: no `project(xbuild VERSION x.y.z)`")
    return found.group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        package = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        build = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        subprocess.check_call([
            "cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            "-DCMAKE_UNITY_BUILD=ON", "-DCMAKE_UNITY_BUILD_BATCH_SIZE=16", "-DXBUILD_TESTS=OFF",
            "-DXBUILD_WHEEL=ON", "-DPYTHON_EXECUTABLE=" + sys.executable,
        ])
        subprocess.check_call(["cmake", "--build", build, "--target", "xbuild", "xbuild_python_module",
                               "--", "-j", str(os.cpu_count() or 1)])
        built = os.path.join(build, "python", "xbuild")
        module = [name for name in os.listdir(built) if name.startswith("_native") and name.endswith(".so")]
        if len(module) != 1:
            sys.exit(f"{built}: expected one _native*.so, found {module}")
        os.makedirs(package, exist_ok=True)
        shutil.copyfile(os.path.join(built, module[0]), self.get_ext_fullpath(ext.name))
        # The binary that enters the sandboxes and is the `xbuild` command, and the recipes it reads
        # (found as <binary>/../share/xbuild/recipes).
        os.makedirs(os.path.join(package, "bin"), exist_ok=True)
        shutil.copy2(os.path.join(build, "xbuild"), os.path.join(package, "bin", "xbuild"))
        recipes = os.path.join(package, "share", "xbuild", "recipes")
        shutil.rmtree(recipes, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "recipes"), recipes, ignore=shutil.ignore_patterns("samples"))


setup(
    version=cmake_version(),
    package_dir={"xbuild": "python/binding/xbuild"},
    packages=["xbuild"],
    # bin/ and share/ are written by build_ext into the build's package directory, which the wheel takes.
    package_data={"xbuild": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("xbuild._native", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
