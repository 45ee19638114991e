# Type stubs of the xbuild package (python/binding/xbuild/__init__.py).
from dataclasses import dataclass
from os import PathLike
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

__version__: str

_Path = Union[str, PathLike[str]]
_Names = Union[str, Sequence[str], None]
_Progress = Optional[Callable[[str], None]]

class Error(RuntimeError): ...

@dataclass(frozen=True)
class Outcome:
    ok: bool
    cached: bool
    seconds: float
    build_seconds: float
    test_seconds: float
    log: str
    error: Optional[str]

@dataclass(frozen=True)
class WheelResult(Outcome):
    build_id: str
    wheel: Optional[str]
    tags: List[str]

@dataclass(frozen=True)
class PrebuildResult(Outcome):
    arch: str
    prebuild: Optional[str]
    grafted: List[str]
    executables: List[str]
    glibc_floor: Optional[str]

def binary() -> str: ...
def wheels(path: _Path = ".", *, arch: _Names = None, python: _Names = None, manylinux: Optional[str] = None,
           output: _Path = "wheelhouse", emulate: bool = False, keep_going: bool = False,
           only: Optional[str] = None, jobs: int = 1, on_progress: _Progress = None, cache: Optional[_Path] = None,
           mirror: Optional[str] = None, verbose: bool = False, quiet: bool = False) -> List[WheelResult]: ...
def prebuild(path: _Path = ".", *, arch: _Names = None, glibc: Optional[str] = None, test_suites: _Names = None,
             output: Optional[_Path] = None, emulate: bool = False, abi: bool = False, strip: bool = False,
             keep_going: bool = False, on_progress: _Progress = None, cache: Optional[_Path] = None,
             mirror: Optional[str] = None, verbose: bool = False, quiet: bool = False) -> List[PrebuildResult]: ...
def image(path: _Path = ".", *, arch: _Names = None, tag: Optional[str] = None, output: Optional[_Path] = None,
          docker_format: bool = False, layout: Optional[_Path] = None, push: bool = False,
          on_progress: _Progress = None, cache: Optional[_Path] = None, mirror: Optional[str] = None,
          verbose: bool = False, quiet: bool = False) -> Dict[str, Any]: ...
def index_create(target: str, sources: Sequence[str], *, on_progress: _Progress = None, verbose: bool = False,
                 quiet: bool = False) -> str: ...
def repair(wheel: Union[_Path, Sequence[_Path]], *, output: _Path = "wheelhouse", plat: Optional[str] = None,
           only_plat: bool = False, strip: bool = False, suite: Optional[str] = None, packages: _Names = None,
           on_progress: _Progress = None, cache: Optional[_Path] = None, mirror: Optional[str] = None,
           verbose: bool = False, quiet: bool = False) -> List[Dict[str, Any]]: ...
def inspect(file: _Path, *, resolve: bool = False, suite: Optional[str] = None, packages: _Names = None,
            on_progress: _Progress = None, cache: Optional[_Path] = None, mirror: Optional[str] = None,
            verbose: bool = False, quiet: bool = False) -> Dict[str, Any]: ...
def doctor(*, arch: _Names = None, on_progress: _Progress = None, cache: Optional[_Path] = None,
           mirror: Optional[str] = None) -> List[Dict[str, str]]: ...
