#!/usr/bin/env bash
# CAS benchmark, standalone (issue 6): our `ardaku cas` against `casync make` and `openssl dgst`.
#
#   tools/bench/cas.sh TREE_V1 TREE_V2 BIN_DIR
#
# The same measurements as the `cas` section of tools/bench/run (tools/bench/run --section cas),
# with the same command lines (its ours_cas_put and ours_sha256), for a quick run on trees
# you already have; it also restores both versions and compares them with diff -r.
#
# TREE_V1, TREE_V2: the benchmark tree and its second version (tools/bench/gentree.py, then
# `gentree.py --mutate 1 --from TREE_V1 TREE_V2`). BIN_DIR: where the release `ardaku` is
# (swift build -c release). Prints a Markdown table on stdout, progress on stderr.
#
# Each timed command runs RUNS times (default 3) with a warm page cache; the table gives
# the median wall time and the median CPU time (user + sys, all threads). casync is
# single-threaded, we use every core: on a loaded machine compare the CPU columns too.
# Stored bytes: casync's chunk files (*.cacnk, what its store holds; its .caidx is listed
# apart), ours the whole .cas file (objects, packs, index, tags, headers).
#
# Environment: RUNS (3), SHA_MIB (1024: size of the hashed file, in /dev/shm), WORK (a
# scratch directory on the same file system as the trees, default mktemp -d).
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 TREE_V1 TREE_V2 BIN_DIR" >&2
    exit 2
fi
v1=$(cd "$1" && pwd)
v2=$(cd "$2" && pwd)
ardaku="$(cd "$3" && pwd)/ardaku"
runs=${RUNS:-3}
sha_mib=${SHA_MIB:-1024}
for tool in casync openssl "$ardaku"; do
    command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 2; }
done

work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/cas-bench.XXXXXX")}
mkdir -p "$work"
shm=$(mktemp -d /dev/shm/cas-bench.XXXXXX)
cleanup() { rm -rf "$work" "$shm"; }
trap cleanup EXIT

log() { echo "cas.sh: $*" >&2; }
warm() { find "$1" -type f -exec cat {} + >/dev/null; }
bytes_of() { find "$@" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d\n", s }'; }
chunk_bytes() { find "$1" -type f -name '*.cacnk' -printf '%s\n' | awk '{ s += $1 } END { printf "%d\n", s }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# timed PREPARE COMMAND...: runs PREPARE (untimed) then COMMAND, RUNS times; sets $wall and
# $cpu to the medians in seconds. COMMAND's stdout goes to $work/out.
timed() {
    local prepare=$1
    shift
    local walls=() cpus=() i
    for ((i = 0; i < runs; i++)); do
        eval "$prepare"
        /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
            echo "$0: failed: $*" >&2
            cat "$work/err" >&2
            exit 1
        }
        read -r e u s <"$work/time"
        walls+=("$e")
        cpus+=("$(echo "$u + $s" | bc -l)")
    done
    wall=$(printf '%s\n' "${walls[@]}" | median)
    cpu=$(printf '%s\n' "${cpus[@]}" | median)
}

ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
mb() { echo "scale=1; $1 / 1000000" | bc -l | sed 's/^\./0./'; }
rate() { echo "scale=2; $1 / $2 / 1000000000" | bc -l | sed 's/^\./0./'; }
secs() { printf '%.2f s' "$1"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
files=$(find "$v1" -type f | wc -l)
tree_bytes=$(bytes_of "$v1")

# --- Ingest of the first version -----------------------------------------------------
log "warming the trees"
warm "$v1"
warm "$v2"
log "casync make v1 ($runs runs)"
timed 'rm -rf "$work/castr" "$work/v1.caidx"' casync make --store="$work/castr" "$work/v1.caidx" "$v1"
casync_wall=$wall casync_cpu=$cpu
casync_v1=$(chunk_bytes "$work/castr")
casync_index=$(stat -c %s "$work/v1.caidx")
log "ardaku cas put -r v1 ($runs runs)"
timed 'rm -f "$work/tree.cas"' "$ardaku" cas put -r "$work/tree.cas" "$v1" --tag v1
ours_wall=$wall ours_cpu=$cpu
ours_v1=$(stat -c %s "$work/tree.cas")

# --- Second version ------------------------------------------------------------------
log "casync make v2 into the v1 store"
casync make --store="$work/castr" "$work/v2.caidx" "$v2" >/dev/null
casync_added=$(($(chunk_bytes "$work/castr") - casync_v1))
log "ardaku cas put -r v2 into the v1 volume"
/usr/bin/time -f '%e %U %S' -o "$work/time" "$ardaku" cas put -r "$work/tree.cas" "$v2" --tag v2 >/dev/null
read -r v2_wall v2_u v2_s <"$work/time"
ours_added=$(($(stat -c %s "$work/tree.cas") - ours_v1))
log "restoring both versions and comparing"
restored=identical
for version in v1 v2; do
    rm -rf "$work/restored"
    "$ardaku" cas get -r "$work/tree.cas" "$version" "$work/restored"
    src=$v1
    [ "$version" = v2 ] && src=$v2
    diff -r -q "$src" "$work/restored" >/dev/null || restored="DIFFERENT ($version)"
done
rm -rf "$work/restored"

# --- SHA-256 -------------------------------------------------------------------------
log "SHA-256 of $sha_mib MiB in /dev/shm"
head -c $((sha_mib << 20)) /dev/urandom >"$shm/sha.bin"
sha_bytes=$((sha_mib << 20))
want=$(sha256sum "$shm/sha.bin" | cut -d' ' -f1)
timed 'true' openssl dgst -sha256 "$shm/sha.bin"
openssl_wall=$wall openssl_cpu=$cpu
timed 'true' "$ardaku" cas hash "$shm/sha.bin"
hash_wall=$wall hash_cpu=$cpu
grep -q "$want" "$work/out" || { echo "$0: ardaku cas hash printed a wrong digest" >&2; exit 1; }

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOF
### CAS: ingest, SHA-256, second version

Tree: $files files, $tree_bytes bytes; $(nproc) cores; load average $load_before before, $load_after after. Median of $runs runs, warm page cache.

| measure | casync / openssl | ardaku cas | ours ÷ theirs | target |
|---|---|---|---|---|
| ingest v1, wall time | $(secs "$casync_wall") | $(secs "$ours_wall") | $(ratio "$ours_wall" "$casync_wall") | ≤ 1 |
| ingest v1, CPU time (user + sys) | $(secs "$casync_cpu") | $(secs "$ours_cpu") | $(ratio "$ours_cpu" "$casync_cpu") | |
| ingest v1, stored bytes | $casync_v1 ($(mb "$casync_v1") MB; .caidx $casync_index more) | $ours_v1 ($(mb "$ours_v1") MB) | $(ratio "$ours_v1" "$casync_v1") | ≤ 1 |
| v2 (1% of files changed), bytes added | $casync_added | $ours_added | $(ratio "$ours_added" "$casync_added") | ≤ 1.2 |
| v2 ingest into the v1 volume, wall / CPU | | $(secs "$v2_wall") / $(secs "$(echo "$v2_u + $v2_s" | bc -l)") | | |
| restore of v1 and v2 (get -r, diff -r) | | $restored | | identical |
| SHA-256 of $sha_mib MiB, throughput (wall) | $(rate "$sha_bytes" "$openssl_wall") GB/s | $(rate "$sha_bytes" "$hash_wall") GB/s | $(ratio "$openssl_wall" "$hash_wall") | ≥ 0.70 |
| SHA-256 of $sha_mib MiB, per CPU second | $(rate "$sha_bytes" "$openssl_cpu") GB/s | $(rate "$sha_bytes" "$hash_cpu") GB/s | $(ratio "$openssl_cpu" "$hash_cpu") | ≥ 0.70 |

casync: \`casync make\` with its defaults (16/64/256 KiB chunks, zstd); stored bytes are its chunk files. Ours: \`ardaku cas put -r FILE.cas DIR --tag NAME\` (fsyncs before it returns; casync does not), stored bytes the whole volume file; SHA-256 by \`ardaku cas hash FILE\` against \`openssl dgst -sha256 FILE\`.
EOF
