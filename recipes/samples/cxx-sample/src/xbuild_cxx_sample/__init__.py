"""xbuild's C++ standard-library sample: see src/heavy.cpp."""
from ._heavy import run

__all__ = ["run"]
