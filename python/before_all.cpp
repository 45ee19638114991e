#include "python/before_all.hpp"

#include <unistd.h>  // rmdir

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"
#include "builder/core/hash.hpp"
#include "builder/sandbox/spec.hpp"
#include "builder/toolchain/cross.hpp"
#include "builder/toolchain/sysroot.hpp"
#include "python/wheel_build.hpp"

namespace xbuild::python {

namespace stdfs = std::filesystem;

PreparedStage with_before_all(const StageContext& context, const PythonProject& project,
                              const WheelTarget& target, const PreparedStage& toolchain,
                              const std::string& source_key, const stdfs::path& log) {
    if (project.config.before_all.empty()) return toolchain;
    const std::string command = source_command(project.config.before_all);
    const std::string key =
        hash::sha256_hex(fmt::format("xbuild-before-all 1\n{}\n{}\n{}\n{}\n{}\n", toolchain.key,
                                     toolchain.sysroot_key, target.arch->debian, command, source_key))
            .substr(0, 24);
    const std::string description =
        fmt::format("before-all of {} over {}", project.name, toolchain.description);
    auto build = [&](const stdfs::path& temp) {
        for (const char* dir : {"root", "work", "src"}) fs::make_dirs(temp / dir);
        fs::copy_tree(project.dir, temp / "src" / "tree", project.excluded);
        const stdfs::path tools = temp / "xbuild";
        write_build_tools(tools, target, false);
        std::vector<std::string> env = build_shell_environment(target);
        env.insert(env.end(), project.config.environment.begin(), project.config.environment.end());
        std::string script = "set -e\ncd /src\n";
        for (const std::string& assignment : project.config.exports) script += "export " + assignment + "\n";
        script += command + "\n";
        sandbox::SandboxSpec spec = stage::build_run(context, toolchain);
        spec.upper_dir = temp / "root";
        spec.work_dir = temp / "work";
        spec.binds = {{temp / "src" / "tree", "/src", false},
                      {tools, toolchain::k_tools_dir, true},
                      {toolchain.sysroot, toolchain::k_sysroot_dir, true}};
        spec.env = sandbox::sandbox_environment(env);
        spec.workdir = "/src";
        spec.argv = {"sh", "-c", script};
        spec.log_file = temp / "build.log";
        fs::write_file_atomic(spec.log_file,
                              fmt::format("# {} (once for this stage)\n$ {}\n", description, script));
        const int code = sandbox::run_sandbox(spec, context.launcher);
        fs::append_file(log, fs::read_file(spec.log_file));
        if (code != 0)
            fail("{}: before-all ({}) failed (exit {})", target.build_id(),
                 project.config.sources.count("before-all") ? project.config.sources.at("before-all") : "",
                 code);
        fs::remove_tree(temp / "work");
        fs::remove_tree(temp / "src");
        fs::remove_tree(tools);
        // The binds' mount points the overlay made in the layer.
        for (const char* dir : {"src", "xbuild/sysroot", "xbuild"}) ::rmdir((temp / "root" / dir).c_str());
        return nlohmann::json{{"kind", "layer"}, {"base", toolchain.key}, {"description", description}};
    };
    const stage::CacheEntry entry = context.cache.ensure_entry(key, description, build, context.reporter);
    PreparedStage stage = toolchain;
    stage.layers.insert(stage.layers.begin(), entry.root);
    stage.key = entry.key;
    stage.description = toolchain.description + " + before-all";
    stage.hold(entry);
    return stage;
}

}  // namespace xbuild::python
