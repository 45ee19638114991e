import platform

import cibw_example as m


def test_version():
    assert m.__version__ == "0.1.0"


def test_add():
    assert m.add(1, 2) == 3


def test_subtract():
    assert m.subtract(1, 2) == -1


def test_greeting():
    # The aarch64 wheels were built with the override's environment appended to the table's.
    expected = "hello-on-arm" if platform.machine() == "aarch64" else "hello"
    assert m.greeting() == expected, m.greeting()
