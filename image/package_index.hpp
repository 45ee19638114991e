#pragma once
// Which Debian package ships a library: the archive's Contents index of one suite and architecture
// (<mirror>/dists/<suite>/main/Contents-<arch>.gz, lines "usr/lib/aarch64-linux-gnu/libyaml-0.so.2
// libs/libyaml-0-2"), downloaded once into a cache directory and scanned as a gzip stream for the
// sonames asked for, so that a missing library in an image can be named with the package to add.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "builder/core/arch.hpp"

namespace xbuild::image {

// soname -> the packages (sorted, unique) that ship a file of that name in a library directory.
using Providers = std::map<std::string, std::vector<std::string>>;

// The directories of arch where a Contents line counts, as Contents writes them (no leading '/'):
// lib/<triplet>, usr/lib/<triplet>, lib, usr/lib (and lib64, usr/lib64 for a 64-bit arch): the
// default directories of elf::LibraryResolver.
std::vector<std::string> library_dirs(const Arch& arch);

// Scans a gzip-compressed Contents file for sonames; every soname asked for is a key of the result
// (with no packages when none ships it). Throws Error naming the file when it is not gzip, is
// truncated or corrupt. Lines without a package column (old headers) are skipped.
Providers scan_contents(const std::filesystem::path& contents_gz, const std::vector<std::string>& sonames,
                        const Arch& arch);

class PackageIndex {
  public:
    // mirror: "http://deb.debian.org/debian" (http or https; trailing '/' ignored); suite: "trixie".
    // Throws Error for a mirror that is not an http(s) URL or a suite that is not a plain name.
    PackageIndex(std::filesystem::path cache_dir, std::string mirror, std::string suite, const Arch& arch);

    // The packages providing soname ("libyaml-0.so.2" -> {"libyaml-0-2"}); empty when none does.
    // Downloads the Contents index on first use (see contents_file). Throws Error when the index can
    // not be had or read; the caller decides how to report the original problem without it.
    std::vector<std::string> providers(const std::string& soname);
    // The same for several sonames with one scan of the index.
    Providers providers(const std::vector<std::string>& sonames);

    // The cached index, downloaded when absent: fetched into a temporary file next to it, checked by
    // a full scan, then renamed into place; a cached file is reused as it is (delete it to refresh).
    // A cached file found corrupt while scanning is removed, so that the next call downloads it again.
    std::filesystem::path contents_file();

    // <mirror>/dists/<suite>/main/Contents-<debian arch>.gz
    const std::string& url() const { return m_url; }
    // <cache_dir>/Contents-<suite>-<debian arch>-<8 hex digits of the mirror URL's sha256>.gz
    const std::filesystem::path& cache_path() const { return m_cache_path; }

  private:
    // Fetches the index into a temporary file, scans it for sonames (which checks it whole), keeps it.
    Providers download(const std::vector<std::string>& sonames);

    std::filesystem::path m_cache_dir;
    const Arch* m_arch;
    std::string m_url;
    std::filesystem::path m_cache_path;
};

}  // namespace xbuild::image
