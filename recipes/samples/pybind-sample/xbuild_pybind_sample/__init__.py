"""xbuild pybind11 sample: a C++ extension built for several CPU architectures by xbuild."""

from ._core import __version__, compiled_for, compiler, mean, nth_word, top_words, word_counts

__all__ = ["__version__", "compiled_for", "compiler", "mean", "nth_word", "top_words", "word_counts"]
