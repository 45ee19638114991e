#include "builder/stage/usrmerge.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "builder/core/error.hpp"
#include "builder/core/fs.hpp"

namespace xbuild::stage {

namespace stdfs = std::filesystem;

namespace {

// Moves every entry of from/ into to/, merging directories that exist on both sides.
// A file present on both sides keeps the /usr copy (packages in transition ship both).
void move_into(const stdfs::path& from, const stdfs::path& to) {
    fs::make_dirs(to);
    for (const auto& entry : stdfs::directory_iterator(from)) {
        stdfs::path target = to / entry.path().filename();
        struct stat target_st;
        bool exists = ::lstat(target.c_str(), &target_st) == 0;
        if (!exists) {
            if (::rename(entry.path().c_str(), target.c_str()) != 0)
                fail("failed to move {} to {}: {}", entry.path().string(), target.string(),
                     errno_text(errno));
            continue;
        }
        if (entry.is_directory(/*no follow*/) && !entry.is_symlink() && S_ISDIR(target_st.st_mode)) {
            move_into(entry.path(), target);
            continue;
        }
        fs::remove_tree(entry.path());
    }
    if (::rmdir(from.c_str()) != 0) fail("failed to remove {}: {}", from.string(), errno_text(errno));
}

}  // namespace

void merge_usr(const stdfs::path& root) {
    for (const char* name : {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "libo32"}) {
        stdfs::path top = root / name;
        stdfs::path usr = root / "usr" / name;
        struct stat st;
        bool top_exists = ::lstat(top.c_str(), &st) == 0;
        if (top_exists && S_ISLNK(st.st_mode)) continue;
        if (top_exists && S_ISDIR(st.st_mode))
            move_into(top, usr);
        else if (top_exists)
            fail("unexpected file {} in the rootfs (expected a directory)", top.string());
        if (!stdfs::exists(usr)) continue;
        if (::symlink((stdfs::path("usr") / name).c_str(), top.c_str()) != 0)
            fail("failed to create symlink {}: {}", top.string(), errno_text(errno));
    }
}

}  // namespace xbuild::stage
