#!/usr/bin/env bash
# The CAS measurement of docs/cas-format.md §9: our ingest against `casync make` on the
# same generated tree, then a second version with 1% of the files changed.
#
#   tools/cas-bench/run.sh [WORKDIR]        (default /tmp/casbench; needs ~1.5 GB)
#
# Prints one block per tool and version. Release build of cas-bench first (in this folder:
# swift build -c release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/casbench}
bench="$here/.build/release/cas-bench"
level=${LEVEL:-6}
mkdir -p "$work"
cd "$work"

if [ ! -d v1 ]; then python3 "$here/gen-tree.py" v1; fi
if [ ! -d v2 ]; then cp -a v1 v2 && python3 "$here/gen-tree.py" v2 --mutate; fi
echo "tree: $(find v1 -type f | wc -l) files, $(du -sb v1 | cut -f1) bytes; v2 differs in $(diff -rq v1 v2 | wc -l) files"

bytes_of() { find "$@" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }

rm -rf casync.castr v1.caidx v2.caidx
sync
t0=$(date +%s.%N); casync make --store=casync.castr v1.caidx v1 >/dev/null; t1=$(date +%s.%N)
c1=$(bytes_of casync.castr v1.caidx)
echo "casync v1: $(echo "$t1 - $t0" | bc) s, store+index $c1 bytes"
t0=$(date +%s.%N); casync make --store=casync.castr v2.caidx v2 >/dev/null; t1=$(date +%s.%N)
c2=$(bytes_of casync.castr v1.caidx v2.caidx)
echo "casync v2: $(echo "$t1 - $t0" | bc) s, added $((c2 - c1)) bytes"

rm -f ours.cas
sync
echo "ours v1:"; "$bench" snapshot ours.cas v1 v1 --create --level "$level" | sed 's/^/  /'
o1=$(stat -c %s ours.cas)
echo "ours v2:"; "$bench" snapshot ours.cas v2 v2 --level "$level" | sed 's/^/  /'
o2=$(stat -c %s ours.cas)
echo "summary: casync v1 $c1, ours v1 $o1; casync added $((c2 - c1)), ours added $((o2 - o1))"
rm -rf restored && "$bench" restore ours.cas v2 restored && diff -r v2 restored && echo "restore of v2: byte-identical"
"$bench" hash 512
openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | tail -1
"$bench" chunk v1
