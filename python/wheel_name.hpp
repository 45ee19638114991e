#pragma once
// Wheel file names (the binary distribution format spec, PEP 427 / PEP 491):
// {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
// where each tag may be a compressed set ("py2.py3", "manylinux_2_17_aarch64.manylinux2014_aarch64").
#include <string>
#include <string_view>
#include <vector>

namespace xbuild::python {

struct WheelName {
    std::string distribution;  // as in the file name ("PyYAML", "my_pkg")
    std::string version;
    std::string build;  // optional build tag, starts with a digit; empty when absent
    std::string python_tag;
    std::string abi_tag;
    std::string platform_tag;

    // The file name: the distribution escaped (runs of -_. become one '_', case kept), '-' in the
    // version escaped to '_'; throws Error when a component is empty or invalid.
    std::string filename() const;
    // The expanded tag triples "python-abi-platform", in order, without duplicates.
    std::vector<std::string> tags() const;
};

// Parses a wheel file name; a leading directory ("dist/x.whl") is ignored. Throws Error naming the
// file name and the problem.
WheelName parse_wheel_name(std::string_view filename);
// The compressed tag set expanded (PEP 425): {cp313-cp313-manylinux_2_17_x86_64, ...}.
std::vector<std::string> expanded_tags(const WheelName& name);

// The distribution component of a wheel file name: runs of -_. become one '_'.
std::string escape_distribution(std::string_view name);
// The normalized project name (PEP 503): lower case, runs of -_. become one '-'.
std::string normalize_name(std::string_view name);

}  // namespace xbuild::python
