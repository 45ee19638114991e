"""Self-test run by xbuild in the target-arch runtime stage: python3 -m xbuild_pybind_sample.selftest"""

import platform
import sys

import xbuild_pybind_sample as s


def main() -> int:
    text = "The cat and the hat. THE END, and the cat's hat!"
    counts = s.word_counts(text)
    assert counts == {"the": 4, "cat": 1, "and": 2, "hat": 2, "end": 1, "cat's": 1}, counts
    assert s.top_words(text, 3) == [("the", 4), ("and", 2), ("hat", 2)], s.top_words(text, 3)
    assert s.top_words(text, 0) == []
    assert s.top_words("", 5) == []
    assert s.nth_word(text, 1) == "cat" and s.nth_word(text, -1) == "hat"
    assert s.mean([1.0, 2.0, 4.5]) == 2.5

    # C++ exceptions thrown in the extension arrive as the mapped Python exceptions.
    for call, expected in (
        (lambda: s.top_words(text, -1), ValueError),
        (lambda: s.mean([]), ValueError),
        (lambda: s.nth_word(text, 99), IndexError),
    ):
        try:
            call()
        except expected as error:
            assert str(error), "empty exception message"
        else:
            raise AssertionError(f"{expected.__name__} not raised")

    machine = platform.machine()
    assert s.compiled_for() == machine, f"module compiled for {s.compiled_for()}, running on {machine}"
    assert s.__version__ == "1.0.0", s.__version__
    print(f"pybind-sample ok on {machine} (python {platform.python_version()}, compiler {s.compiler})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
