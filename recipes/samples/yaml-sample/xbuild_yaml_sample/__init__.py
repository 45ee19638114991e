"""xbuild yaml sample: a C extension linking the system libyaml, built for several CPU architectures."""

from ._yamlcount import compiled_for, count_scalars, event_counts, libyaml_version

__version__ = "1.0.0"
__all__ = ["compiled_for", "count_scalars", "event_counts", "libyaml_version"]
