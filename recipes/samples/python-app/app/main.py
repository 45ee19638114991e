"""The Python sample app: word statistics (pybind11 sample) of its argument, and the same text
parsed as YAML (libyaml sample). Prints one line the tests check."""

import os
import platform
import sys

import xbuild_pybind_sample as words
import xbuild_yaml_sample as yaml_events


def main() -> int:
    text = " ".join(sys.argv[1:]) or "hello world"
    top = words.top_words(text, 3)
    scalars = yaml_events.count_scalars("text: " + repr(text) + "\nwords: [" + ", ".join(w for w, _ in top) + "]\n")
    assert words.compiled_for() == platform.machine(), (words.compiled_for(), platform.machine())
    print(
        f"{os.environ.get('APP_GREETING', 'hello')}: python-app on {platform.machine()}: "
        f"top words {top}, {scalars} YAML scalars (libyaml {yaml_events.libyaml_version()}), "
        f"uid {os.getuid()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
