#pragma once
// Small helpers shared by the unit tests.
#include <doctest/doctest.h>

#include <string>

namespace xbuild::test {

// doctest::Contains takes a doctest::String, which has no std::string constructor.
inline doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

}  // namespace xbuild::test
