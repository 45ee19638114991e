#pragma once
// The xbuild command line: one table of subcommands over xbuild_core.
namespace xbuild::cli {

// Parses argv and runs the chosen command; returns the process exit status. Errors are
// printed as one "xbuild: error: ..." line.
int run(int argc, char** argv);

}  // namespace xbuild::cli
