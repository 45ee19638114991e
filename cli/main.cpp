// Thin main: the sandbox helper (a re-exec of this binary) or the command line.
#include "app/session.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
    if (xbuild::app::is_sandbox_helper(argc, argv)) return xbuild::app::sandbox_helper_main(argc, argv);
    return xbuild::cli::run(argc, argv);
}
