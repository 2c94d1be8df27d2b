#!/usr/bin/env bash
# The main job, from a fresh clone: installs what is missing, builds the tools as shipped
# (release, static executables), then formats a demo image from a directory tree, adds,
# reads back, moves and removes files, checks the volume with fsck.zest and dumps it with
# dumpfs. Every step prints the command it runs. Stops at the first step that fails.
#
#   tools/demo.sh            # the demo image goes to /tmp/ardaku-demo (replaced each run)
#   DEMO_DIR=DIR tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tools/setup.sh

demo=${DEMO_DIR:-/tmp/ardaku-demo}
bin=$repo/.build/release

step() { printf '\n\033[1m== %s\033[0m\n' "$*" 2>/dev/null || printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# The first N lines of a command's output. The command may die of SIGPIPE once head has
# enough (exit 141), as hexdump and xxd do; any other failure stops the demo.
first() {
  local lines=$1 status=0; shift
  printf '$ %s | head -%s\n' "$*" "$lines"
  "$@" | head -"$lines" || status=$?
  [ "$status" -eq 0 ] || [ "$status" -eq 141 ] || return "$status"
}

step "Build (swift build -c release --static-swift-stdlib -Xswiftc -static-executable)"
for product in mkfs.ardaku ardaku fsck.zest dumpfs; do
  swift build -c release --static-swift-stdlib -Xswiftc -static-executable --product "$product" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
  [ -x "$bin/$product" ] || { echo "demo: $product did not build" >&2; exit 1; }
done
export PATH=$bin:$PATH

rm -rf "$demo"
mkdir -p "$demo/tree" "$demo/out"
image=$demo/demo.img

step "A source tree: this repository's docs and sources, plus a sparse file and a large one"
cp -r docs Sources "$demo/tree/"
truncate -s 40M "$demo/tree/sparse.bin"
printf 'the end of a sparse file\n' | dd of="$demo/tree/sparse.bin" bs=1 seek=$((30 * 1048576)) conv=notrunc status=none
head -c 3000000 /dev/urandom > "$demo/tree/random.bin"
find "$demo/tree" -type f | wc -l | xargs printf '%s files\n'

step "Format a 1 GiB sparse image and fill it from the tree"
run mkfs.ardaku -L demo -d "$demo/tree" "$image" 1G
printf 'image: %s bytes apparent, %s KiB allocated\n' "$(stat -c %s "$image")" "$(du -k "$image" | cut -f1)"

step "Look around"
run ardaku df "$image"
run ardaku ls -l "$image" /
run ardaku stat "$image" /random.bin

step "Add, read back, move and remove files"
printf 'hello from the demo\n' > "$demo/hello.txt"
run ardaku put "$image" "$demo/hello.txt" /notes/hello.txt
run ardaku get "$image" /notes/hello.txt "$demo/out/hello.txt"
run cmp "$demo/hello.txt" "$demo/out/hello.txt"
run ardaku get -r "$image" /docs "$demo/out/docs"
run diff -r "$demo/tree/docs" "$demo/out/docs"
run ardaku get "$image" /sparse.bin "$demo/out/sparse.bin"
run cmp "$demo/tree/sparse.bin" "$demo/out/sparse.bin"
run ardaku mv "$image" /notes/hello.txt /notes/greeting.txt
run ardaku rm -r "$image" /Sources/ArdakuCLI
run ardaku ls -R "$image" /notes

step "Nested volumes: a ZEST pack of small files and CAS snapshots, inside the image"
run ardaku zest create "$image" /packs/docs.zest
run ardaku zest put -r "$image" /packs/docs.zest "$demo/tree/docs" /docs
run ardaku zest ls -l "$image" /packs/docs.zest /docs
run ardaku zest get -r -o "$demo/out/zest" "$image" /packs/docs.zest /docs
run diff -r "$demo/tree/docs" "$demo/out/zest"
run ardaku cas put -r "$image" /backup.cas "$demo/tree/Sources" --tag v1
printf 'a file added for the second snapshot\n' > "$demo/tree/Sources/NEWS.txt"
run ardaku cas put -r "$image" /backup.cas "$demo/tree/Sources" --tag v2
run ardaku cas tags "$image" /backup.cas
run ardaku cas get -r "$image" /backup.cas v2 "$demo/out/cas-v2"
run diff -r "$demo/tree/Sources" "$demo/out/cas-v2"

step "Check the volume (full check, data CRCs included; exit 0 means clean)"
run fsck.zest -fn -v "$image"

step "Dump it"
run dumpfs -q "$image"
first 40 dumpfs -q --system "$image"
run dumpfs -q --file /notes/greeting.txt "$image"
first 12 dumpfs -q --page 0 "$image"
first 30 dumpfs -q --cas /backup.cas "$image"

step "Damage one data page, find it, repair what can be repaired"
page=$(dumpfs -q --json --file /random.bin "$image" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["data_pages"][0]["page"])' 2>/dev/null || true)
if [ -n "$page" ]; then
  printf 'overwriting 16 bytes of data page %s\n' "$page"
  printf 'garbage-garbage!' | dd of="$image" bs=1 seek=$((page * 65536 + 100)) conv=notrunc status=none
  set +e
  run fsck.zest -fn "$image"; echo "exit status $? (4: errors left uncorrected)"
  run fsck.zest -fy "$image"; echo "exit status $? (1: errors corrected)"
  run fsck.zest -fn "$image"; echo "exit status $? (0: clean)"
  set -e
fi

step "Done: the demo image is $image"
