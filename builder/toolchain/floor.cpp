#include "builder/toolchain/floor.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "builder/core/error.hpp"
#include "builder/core/text.hpp"
#include "builder/stage/recipes.hpp"

namespace xbuild::toolchain {

namespace {

std::vector<Floor> load_floors() {
    const auto& file = stage::RecipeFile::get("stages.toml");
    const toml::table* table = file.root()["floors"].as_table();
    if (table == nullptr) fail("{}: missing [floors]", file.path().string());
    std::vector<Floor> floors;
    for (const auto& [key, node] : *table) {
        const toml::table* entry = node.as_table();
        if (entry == nullptr) continue;  // "default"
        Floor floor;
        floor.name = std::string(key.str());
        floor.glibc = floor.name;
        std::replace(floor.glibc.begin(), floor.glibc.end(), '_', '.');
        const std::string where = fmt::format("{}: [floors.{}]", file.path().string(), floor.name);
        floor.suite = (*entry)["suite"].value_or(std::string());
        floor.gcc = (*entry)["gcc"].value_or(std::string());
        if (floor.suite.empty() || floor.gcc.empty()) fail("{} needs a suite and a gcc", where);
        floors.push_back(floor);
    }
    if (floors.empty()) fail("{}: [floors] names no floor", file.path().string());
    std::sort(floors.begin(), floors.end(),
              [](const Floor& a, const Floor& b) { return compare_glibc(a.glibc, b.glibc) < 0; });
    return floors;
}

std::string known_floors() {
    std::string known;
    for (const Floor& floor : floors())
        known += fmt::format("{}{} ({})", known.empty() ? "" : ", ", floor.name, floor.suite);
    return known;
}

}  // namespace

const std::vector<Floor>& floors() {
    static const std::vector<Floor> all = load_floors();
    return all;
}

const Floor& default_floor() {
    const auto& file = stage::RecipeFile::get("stages.toml");
    const std::string name = file.root()["floors"]["default"].value_or(std::string());
    return find_floor(name, file.path().string() + ": [floors] default");
}

const Floor& find_floor(std::string_view value, std::string_view where) {
    std::string name(value);
    if (name.starts_with("manylinux_")) name = name.substr(10);
    std::replace(name.begin(), name.end(), '.', '_');
    for (const Floor& floor : floors())
        if (floor.name == name) return floor;
    fail("{}: unknown floor '{}' (floors: {}; each is a Debian suite's glibc and libstdc++)", where,
         text::printable(std::string(value)), known_floors());
}

const Floor* floor_of_suite(std::string_view suite) {
    for (const Floor& floor : floors())
        if (floor.suite == suite) return &floor;
    return nullptr;
}

int compare_glibc(std::string_view a, std::string_view b) {
    auto parts = [](std::string_view version) {
        std::vector<int> numbers;
        for (std::string_view part : text::split(version, '.')) {
            int number = 0;
            std::from_chars(part.data(), part.data() + part.size(), number);
            numbers.push_back(number);
        }
        return numbers;
    };
    auto x = parts(a), y = parts(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

}  // namespace xbuild::toolchain
