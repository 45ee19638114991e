#include "builder/sandbox/spec.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"

namespace xbuild::sandbox {

std::string to_json(const SandboxSpec& spec) {
    nlohmann::json binds = nlohmann::json::array();
    for (const BindMount& bind : spec.binds)
        binds.push_back({{"source", bind.source}, {"target", bind.target}, {"ro", bind.read_only}});
    nlohmann::json extra = nlohmann::json::array();
    for (const auto& file : spec.extra_files) extra.push_back(file.string());
    nlohmann::json limits = {{"pids", spec.limits.pids},
                             {"memory", spec.limits.memory},
                             {"tmpfs", spec.limits.tmpfs},
                             {"shm", spec.limits.shm},
                             {"timeout", spec.limits.timeout.count()}};
    nlohmann::json json = {
        {"layers", spec.layers},
        {"scratch_parent", spec.scratch_parent},
        {"scratch_dir", spec.scratch_dir},
        {"upper_dir", spec.upper_dir},
        {"work_dir", spec.work_dir},
        {"log_file", spec.log_file},
        {"binds", binds},
        {"network", spec.network},
        {"env", spec.env},
        {"workdir", spec.workdir},
        {"argv", spec.argv},
        {"hostname", spec.hostname},
        {"extra_files", extra},
        {"capabilities", std::string(profile_name(spec.capabilities))},
        {"limits", limits},
    };
    return json.dump();
}

SandboxSpec spec_from_json(const std::string& text) {
    SandboxSpec spec;
    try {
        auto json = nlohmann::json::parse(text);
        for (const auto& layer : json.at("layers")) spec.layers.emplace_back(layer.get<std::string>());
        spec.upper_dir = json.at("upper_dir").get<std::string>();
        spec.work_dir = json.at("work_dir").get<std::string>();
        spec.log_file = json.at("log_file").get<std::string>();
        spec.scratch_parent = json.at("scratch_parent").get<std::string>();
        spec.scratch_dir = json.at("scratch_dir").get<std::string>();
        for (const auto& bind : json.at("binds"))
            spec.binds.push_back({bind.at("source").get<std::string>(), bind.at("target").get<std::string>(),
                                  bind.at("ro").get<bool>()});
        spec.network = json.at("network").get<bool>();
        spec.env = json.at("env").get<std::vector<std::string>>();
        spec.workdir = json.at("workdir").get<std::string>();
        spec.argv = json.at("argv").get<std::vector<std::string>>();
        spec.hostname = json.at("hostname").get<std::string>();
        for (const auto& file : json.at("extra_files"))
            spec.extra_files.emplace_back(file.get<std::string>());
        spec.capabilities = profile_from_name(json.at("capabilities").get<std::string>());
        const auto& limits = json.at("limits");
        spec.limits.pids = limits.at("pids").get<std::uint64_t>();
        spec.limits.memory = limits.at("memory").get<std::uint64_t>();
        spec.limits.tmpfs = limits.at("tmpfs").get<std::uint64_t>();
        spec.limits.shm = limits.at("shm").get<std::uint64_t>();
        spec.limits.timeout = std::chrono::seconds(limits.at("timeout").get<long long>());
    } catch (const nlohmann::json::exception& error) {
        fail("invalid sandbox spec: {}", error.what());
    }
    return spec;
}

BindMount parse_bind(const std::string& text) {
    BindMount bind;
    std::string rest = text;
    if (rest.size() > 3 && rest.compare(rest.size() - 3, 3, ":ro") == 0) {
        bind.read_only = true;
        rest.resize(rest.size() - 3);
    } else if (rest.size() > 3 && rest.compare(rest.size() - 3, 3, ":rw") == 0) {
        rest.resize(rest.size() - 3);
    }
    auto colon = rest.find(':');
    std::string source = rest.substr(0, colon);
    std::string target = colon == std::string::npos ? source : rest.substr(colon + 1);
    if (source.empty()) fail("invalid --bind '{}': expected SRC[:DST][:ro]", text);
    std::error_code error;
    auto absolute = std::filesystem::canonical(source, error);
    if (error) fail("invalid --bind '{}': {}: {}", text, source, error.message());
    if (target.empty() || target[0] != '/')
        fail("invalid --bind '{}': the target must be an absolute path", text);
    bind.source = absolute;
    bind.target = std::filesystem::path(target).lexically_normal();
    // Over / it would replace the stage; under /proc it would undo the sandbox's masks.
    const std::string normal = bind.target.string();
    if (normal == "/" || normal == "/proc" || normal.starts_with("/proc/"))
        fail("invalid --bind '{}': the target may not be /, /proc or under /proc", text);
    return bind;
}

std::vector<std::string> sandbox_environment(const std::vector<std::string>& overrides) {
    std::vector<std::string> env{
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/root",
        "LANG=C.UTF-8",
        "LC_ALL=C.UTF-8",
    };
    if (const char* term = std::getenv("TERM"); term && *term) env.push_back(std::string("TERM=") + term);
    for (const std::string& entry : overrides) {
        auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0) fail("invalid --env '{}': expected KEY=VALUE", entry);
        std::string prefix = entry.substr(0, eq + 1);
        std::erase_if(env, [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
        env.push_back(entry);
    }
    return env;
}

}  // namespace xbuild::sandbox
