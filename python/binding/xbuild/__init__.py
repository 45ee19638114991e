"""xbuild from Python: wheels, N-API prebuilds and OCI images for every CPU architecture.

One function per command of the ``xbuild`` binary, over the same library. Each blocks until done
(the work runs with the GIL released), reports progress lines to ``on_progress`` when given, raises
:class:`Error` with xbuild's one-line message on failure, and stops on Ctrl-C (KeyboardInterrupt),
leaving no partial output.
"""

from __future__ import annotations

import json as _json
import os as _os
import shutil as _shutil
from dataclasses import dataclass as _dataclass
from typing import Callable, List, Optional, Sequence, Union

from . import _native

__version__: str = _native.__version__
Error = _native.Error
__all__ = ["Error", "Outcome", "WheelResult", "PrebuildResult", "wheels", "prebuild", "image", "index_create", "repair",
           "inspect", "doctor", "binary", "__version__"]

Progress = Optional[Callable[[str], None]]


def binary() -> str:
    """The xbuild binary that enters the sandboxes: $XBUILD_BINARY, the one in this package, or PATH's."""
    found = _os.environ.get("XBUILD_BINARY")
    if found:
        return found
    bundled = _os.path.join(_os.path.dirname(__file__), "bin", "xbuild")
    if _os.access(bundled, _os.X_OK):
        return bundled
    return _shutil.which("xbuild") or ""


@_dataclass(frozen=True)
class Outcome:
    """What every build id's result has (a wheel's build id, a prebuild's arch)."""
    ok: bool
    cached: bool
    seconds: float
    build_seconds: float
    test_seconds: float
    log: str
    error: Optional[str]


@_dataclass(frozen=True)
class WheelResult(Outcome):
    """One build id of :func:`wheels`."""
    build_id: str
    wheel: Optional[str]
    tags: List[str]


@_dataclass(frozen=True)
class PrebuildResult(Outcome):
    """One arch of :func:`prebuild`."""
    arch: str
    prebuild: Optional[str]
    grafted: List[str]
    executables: List[str]
    glibc_floor: Optional[str]


def _outcome(item: dict) -> dict:
    return dict(ok=item["ok"], cached=item["cached"], seconds=item["seconds"],
                build_seconds=item["build_seconds"], test_seconds=item["test_seconds"], log=item["log"],
                error=item.get("error"))


def _names(value: Union[str, Sequence[str], None]) -> Optional[List[str]]:
    if value is None:
        return None
    if isinstance(value, str):
        return [part for part in value.split(",") if part]
    return [str(part) for part in value]


def _session(cache, mirror, verbose, quiet, on_progress):
    return dict(helper=binary(), cache=_os.fspath(cache) if cache else "", mirror=mirror or "",
                verbose=verbose, quiet=quiet, on_progress=on_progress)


def wheels(path=".", *, arch=None, python=None, manylinux=None, output="wheelhouse", emulate=False,
           keep_going=False, only=None, jobs=1, on_progress: Progress = None, cache=None, mirror=None, verbose=False,
           quiet=False) -> List[WheelResult]:
    """Build, repair and test the project's wheels (``xbuild wheels``); ``only``: one build id alone."""
    text = _native.wheels(_os.fspath(path), archs=_names(arch), pythons=_names(python),
                          manylinux=manylinux or "", emulate=emulate, output=_os.fspath(output),
                          keep_going=keep_going, only=only or "", jobs=jobs,
                          **_session(cache, mirror, verbose, quiet, on_progress))
    return [WheelResult(build_id=item["build_id"], wheel=item.get("wheel"), tags=item.get("tags", []),
                        **_outcome(item))
            for item in _json.loads(text)]


def prebuild(path=".", *, arch=None, glibc=None, test_suites=None, output=None, emulate=False, abi=False,
             strip=False, keep_going=False, on_progress: Progress = None, cache=None, mirror=None,
             verbose=False, quiet=False) -> List[PrebuildResult]:
    """Build and test a Node addon's prebuilds in node-gyp-build's layout (``xbuild prebuild``)."""
    text = _native.prebuild(_os.fspath(path), archs=_names(arch), glibc=glibc or "",
                            test_suites=_names(test_suites), emulate=emulate, abi=abi, strip=strip,
                            output=_os.fspath(output) if output else "", keep_going=keep_going,
                            **_session(cache, mirror, verbose, quiet, on_progress))
    return [PrebuildResult(arch=item["arch"], prebuild=item.get("prebuild"), grafted=item.get("grafted", []),
                           executables=item.get("executables", []),
                           glibc_floor=item.get("glibc_floor"), **_outcome(item))
            for item in _json.loads(text)]


def image(path=".", *, arch=None, tag=None, output=None, docker_format=False, layout=None, push=False,
          on_progress: Progress = None, cache=None, mirror=None, verbose=False, quiet=False) -> dict:
    """Build a slim multi-arch OCI image (``xbuild image``); returns what ``--json`` prints."""
    return _json.loads(_native.image(_os.fspath(path), archs=_names(arch), tag=tag or "",
                                     output=_os.fspath(output) if output else "",
                                     docker_format=docker_format,
                                     layout=_os.fspath(layout) if layout else "", push=push,
                                     **_session(cache, mirror, verbose, quiet, on_progress)))


def index_create(target, sources, *, on_progress: Progress = None, verbose=False, quiet=False) -> str:
    """Merge images pushed per platform into one index under target (``xbuild index create``);
    returns the index's digest."""
    if isinstance(sources, (str, bytes)):
        raise TypeError("sources must be a list of image references")
    return _native.index_create(str(target), [str(s) for s in sources],
                                **_session(None, None, verbose, quiet, on_progress))


def repair(wheel, *, output="wheelhouse", plat=None, only_plat=False, strip=False, suite=None,
           packages=None, on_progress: Progress = None, cache=None, mirror=None, verbose=False,
           quiet=False) -> List[dict]:
    """Graft external libraries into wheels and tag them honestly (``xbuild repair``)."""
    wheels_ = [_os.fspath(wheel)] if isinstance(wheel, (str, _os.PathLike)) else [_os.fspath(w) for w in wheel]
    return _native.repair(wheels_, output=_os.fspath(output), plat=plat or "", only_plat=only_plat,
                          strip=strip, suite=suite or "", packages=_names(packages),
                          **_session(cache, mirror, verbose, quiet, on_progress))


def inspect(file, *, resolve=False, suite=None, packages=None, on_progress: Progress = None, cache=None,
            mirror=None, verbose=False, quiet=False) -> dict:
    """A wheel's or ELF file's arch, needed libraries and symbol versions (``xbuild inspect --json``)."""
    return _json.loads(_native.inspect(_os.fspath(file), resolve=resolve, suite=suite or "",
                                       packages=_names(packages),
                                       **_session(cache, mirror, verbose, quiet, on_progress)))


def doctor(*, arch=None, on_progress: Progress = None, cache=None, mirror=None) -> List[dict]:
    """What this host has and lacks for each target arch (``xbuild doctor``), one dict per check."""
    return _native.doctor(archs=_names(arch), **_session(cache, mirror, False, False, on_progress))
