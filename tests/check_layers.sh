#!/bin/bash
# The layering of docs/ARCHITECTURE.md, checked over the sources: cli/ -> app/ -> python/, node/,
# compiled/, image/ -> builder/. Prints every include that points the wrong way; fails when there is one.
set -u
cd "$(dirname "$0")/.."
status=0
# wrong DIR PATTERN WHY: every #include "PATTERN..." in DIR (its binding/ front end aside) is a violation.
wrong() {
    local hits
    hits=$(grep -rnE "^#include \"($2)/" "$1" --include='*.cpp' --include='*.hpp' --exclude-dir=binding || true)
    if [ -n "$hits" ]; then
        echo "$3:"
        echo "$hits"
        status=1
    fi
}
wrong builder 'app|cli|python|node|image|compiled' "builder/ includes a layer above it"
wrong python 'app|cli|node|image|compiled' "python/ includes a layer beside or above it"
wrong node 'app|cli|python|image|compiled' "node/ includes a layer beside or above it"
wrong image 'app|cli|python|node|compiled' "image/ includes a layer beside or above it"
wrong compiled 'app|cli|python|node|image' "compiled/ includes a layer beside or above it"
wrong app 'cli' "app/ includes the CLI"
# The front ends (cli/, the Python and Node bindings) include only app/, builder/core/ and themselves.
for front in cli python/binding node/binding; do
    [ -d "$front" ] || continue
    hits=$(grep -rnE '^#include "' "$front" --include='*.cpp' --include='*.hpp' |
        grep -vE "#include \"(app/|builder/core/|$front/)" || true)
    if [ -n "$hits" ]; then
        echo "$front/ includes more than app/ and builder/core/:"
        echo "$hits"
        status=1
    fi
done
[ $status -eq 0 ] && echo "layers: every include points down"
exit $status
