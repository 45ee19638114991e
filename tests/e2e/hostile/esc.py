"""The module of the hostile sdist (nothing to see)."""
VALUE = 1
