# Errors of xbuild image: one clear message naming the file and the problem, non-zero exit, nothing
# written, never a write outside the output.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
mkproject() {  # mkproject NAME TOML: a project dir with an app file
    mkdir -p "$WORK/$1/app" && echo 'print("hi")' >"$WORK/$1/app/main.py"
    printf '%s\n' "$2" >"$WORK/$1/xbuild.toml"
}
no_output() {
    [[ ! -e $WORK/out.tar ]] || fail "$1: $WORK/out.tar was written"
    pass "$1: nothing written"
}

mkdir -p "$WORK/none"
expect_error "no xbuild.toml" "no xbuild.toml" "$XBUILD" image "$WORK/none" -o "$WORK/out.tar"
mkproject badkey $'[image]\ntag = "a:1"\nbaes = "python3"'
expect_error "unknown key" "badkey/xbuild.toml: [image] baes: unknown key" "$XBUILD" image "$WORK/badkey" -o "$WORK/out.tar"
mkproject badbase $'[image]\ntag = "a:1"\nbase = "ruby"'
expect_error "unknown base" "unknown base 'ruby'" "$XBUILD" image "$WORK/badbase" -o "$WORK/out.tar"
mkproject syntax $'[image\ntag = 1'
expect_error "TOML syntax" "syntax/xbuild.toml:1" "$XBUILD" image "$WORK/syntax" -o "$WORK/out.tar"
mkproject notag $'[image]\nbase = "python3"'
expect_error "no tag" "no image tag" "$XBUILD" image "$WORK/notag" -o "$WORK/out.tar"
mkproject badtag $'[image]\ntag = "UPPER/Case:1"'
expect_error "invalid tag" "badtag/xbuild.toml: image tag 'UPPER/Case:1' ([image] tag)" "$XBUILD" image "$WORK/badtag" -o "$WORK/out.tar"
mkproject badpkg $'[image]\ntag = "a:1"\npackages = ["rm -rf"]'
expect_error "invalid package name" "rm -rf" "$XBUILD" image "$WORK/badpkg" -o "$WORK/out.tar"
mkproject escape $'[image]\ntag = "a:1"\n[[image.files]]\nfrom = "../../etc/passwd"\nto = "/x"'
expect_error "from outside the project" "must stay inside the project" "$XBUILD" image "$WORK/escape" -o "$WORK/out.tar"
mkproject relto $'[image]\ntag = "a:1"\n[[image.files]]\nfrom = "app/main.py"\nto = "app/"'
expect_error "relative to" "must be an absolute image path" "$XBUILD" image "$WORK/relto" -o "$WORK/out.tar"
mkproject arch $'[image]\ntag = "a:1"\narchs = ["sparc64"]'
expect_error "unknown arch" "unknown architecture 'sparc64'" "$XBUILD" image "$WORK/arch" -o "$WORK/out.tar"
no_output "config errors"

# A glob that matches nothing, a copy through a symlink the project ships (it would write outside
# the image's tree): refused after the base is made, before anything is written.
mkproject nomatch $'[image]\ntag = "a:1"\n[[image.files]]\nfrom = "app/*.rb"\nto = "/app/"'
expect_error "glob matches nothing" "from 'app/*.rb' matches nothing" "$XBUILD" image "$WORK/nomatch" -o "$WORK/out.tar"
mkproject symlink $'[image]\ntag = "a:1"\n[[image.files]]\nfrom = "link"\nto = "/app/link"\n[[image.files]]\nfrom = "app/main.py"\nto = "/app/link/main.py"'
ln -s /tmp "$WORK/symlink/link"
expect_error "copy through a symlink" "goes through /app/link, which is not a directory" "$XBUILD" image "$WORK/symlink" -o "$WORK/out.tar"
[[ ! -e /tmp/main.py ]] || fail "a copy was written through the symlink to /tmp/main.py"
no_output "file errors"
# An output path that is a directory, and a layout destination that is not a layout.
mkproject ok $'[image]\ntag = "a:1"'
mkdir -p "$WORK/notlayout" && echo keep >"$WORK/notlayout/file"
expect_error "layout over a directory" "is not an OCI image layout" "$XBUILD" image "$WORK/ok" --layout "$WORK/notlayout"
expect_eq "$(cat "$WORK/notlayout/file")" keep "the directory was left alone"
