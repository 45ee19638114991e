// What `xbuild wheels` reports at the end of a run: the summary table and the --json array.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "python/wheel_name.hpp"
#include "python/wheels.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

std::string outcomes_table(const std::vector<WheelOutcome>& outcomes) {
    std::vector<std::vector<std::string>> rows = {{"build id", "tag", "size", "cached", "build", "test"}};
    for (const WheelOutcome& outcome : outcomes) {
        std::vector<std::string> row{outcome.build_id};
        if (outcome.ok) {
            const WheelName name = parse_wheel_name(outcome.wheel.filename().string());
            std::error_code error;
            const auto bytes = stdfs::file_size(outcome.wheel, error);
            row.push_back(name.python_tag + "-" + name.abi_tag + "-" + name.platform_tag);
            row.push_back(error ? "?" : fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024));
        } else {
            row.insert(row.end(), {"FAILED", "-"});
        }
        row.push_back(outcome.cached ? "yes" : "no");
        row.push_back(outcome.cached ? "-" : fmt::format("{:.1f} s", outcome.build_seconds));
        row.push_back(outcome.cached || !outcome.ok ? "-" : fmt::format("{:.1f} s", outcome.test_seconds));
        rows.push_back(std::move(row));
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    std::string table;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i)
            line += (i >= 2 ? fmt::format("{:>{}}", row[i], widths[i])
                            : fmt::format("{:<{}}", row[i], widths[i])) +
                    (i + 1 < row.size() ? "  " : "");
        while (!line.empty() && line.back() == ' ') line.pop_back();
        table += line + "\n";
    }
    return table;
}

std::string outcomes_json(const std::vector<WheelOutcome>& outcomes) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& outcome : outcomes) {
        nlohmann::json item = {{"build_id", outcome.build_id}};
        stage::add_outcome_json(item, outcome);
        if (!outcome.abi3_from.empty()) item["abi3_from"] = outcome.abi3_from;
        if (outcome.ok) {
            item["wheel"] = outcome.wheel.string();
            item["tags"] = expanded_tags(parse_wheel_name(outcome.wheel.filename().string()));
        }
        array.push_back(item);
    }
    return array.dump(2);
}

}  // namespace xbuild::python
