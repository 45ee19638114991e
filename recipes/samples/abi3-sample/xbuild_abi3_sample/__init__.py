"""A stable-ABI C extension: fnv1a(bytes) -> int."""

from ._fnv import fnv1a

__all__ = ["fnv1a"]
