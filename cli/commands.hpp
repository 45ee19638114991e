#pragma once
// The xbuild command line: one table of subcommands, each filling a request of app/ and printing its result.
namespace xbuild::cli {

// Parses argv and runs the chosen command; returns the process exit status. Errors are
// printed as one "xbuild: error: ..." line.
int run(int argc, char** argv);

}  // namespace xbuild::cli
