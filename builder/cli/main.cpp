// Thin main: the sandbox helper (a re-exec of this binary) or the command line.
#include <cstring>

#include "builder/cli/commands.hpp"
#include "builder/sandbox/launcher.hpp"

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], xbuild::sandbox::k_helper_command) == 0)
        return xbuild::sandbox::helper_main(argc - 2, argv + 2);
    return xbuild::cli::run(argc, argv);
}
