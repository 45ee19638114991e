#!/bin/bash
# The npm package of xbuild: node/binding/pack.sh PREBUILDS DEST writes DEST/xbuild-<version>.tgz from
# this directory's files, the prebuilds `xbuild prebuild node/binding` made (PREBUILDS/linux-<arch>/:
# the addon, the xbuild binary, grafted libraries) and the recipes (share/xbuild/recipes, as in the
# wheel). The version is CMake's project version, stamped into the packed package.json. Prints the
# tarball's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ $# -eq 2 ]] || { echo "usage: $0 PREBUILDS DEST" >&2; exit 2; }
prebuilds=$(cd "$1" && pwd)
mkdir -p "$2"
dest=$(cd "$2" && pwd)
version=$(sed -n 's/^project(xbuild VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[[ -n $version ]] || { echo "$root/CMakeLists.txt: no project(xbuild VERSION ...)" >&2; exit 1; }
ls "$prebuilds"/linux-*/*.node >/dev/null 2>&1 || { echo "$prebuilds: no linux-*/*.node prebuild" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$here/package.json" "$here/index.js" "$here/index.d.ts" "$here/bin" "$stage/"
cp "$root/README.md" "$stage/"
cp -r "$prebuilds" "$stage/prebuilds"
mkdir -p "$stage/share/xbuild"
cp -r "$root/recipes" "$stage/share/xbuild/recipes"
rm -rf "$stage/share/xbuild/recipes/samples"
# The packed package.json: CMake's version; nothing of the build's configuration.
node -e '
const fs = require("fs"), file = process.argv[1], pkg = JSON.parse(fs.readFileSync(file))
pkg.version = process.argv[2]
delete pkg.xbuild; delete pkg.devDependencies; delete pkg.binary
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n")' "$stage/package.json" "$version"
(cd "$stage" && npm pack --silent --ignore-scripts --pack-destination "$dest") >/dev/null
tarball="$dest/xbuild-$version.tgz"
[[ -f $tarball ]] || { echo "npm pack wrote no $tarball" >&2; exit 1; }
echo "$tarball"
