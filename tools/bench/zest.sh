#!/usr/bin/env bash
# ZEST benchmark section (issue 5): the small files as one ZEST volume, standalone and
# nested in an Ardaku image, against the host directory tree, squashfs (gzip) and tar.gz.
#
#   tools/bench/zest.sh SMALL_TREE BIN_DIR [RUNS]
#
# SMALL_TREE  the benchmark's small-file tree (gentree.py --small-only: its small/ directory)
# BIN_DIR     where the release executables are (.build/release: ardaku, mkfs.ardaku)
# RUNS        timed runs per measurement (default 3; the median is shown)
#
# Prints a Markdown table on standard output, progress on standard error. Cold runs drop
# the page cache first (`sync; echo 3 > /proc/sys/vm/drop_caches`, root only; without root
# they are marked warm). Warm runs follow one untimed run. Every reader's output is counted
# and must equal the expected bytes; timed runs write to /dev/null.
set -euo pipefail

tree=${1:?usage: zest.sh SMALL_TREE BIN_DIR [RUNS]}
bin=${2:?usage: zest.sh SMALL_TREE BIN_DIR [RUNS]}
runs=${3:-3}
tree=$(cd "$tree" && pwd)
ardaku="$bin/ardaku"
mkfs="$bin/mkfs.ardaku"
for tool in "$ardaku" "$mkfs"; do [ -x "$tool" ] || { echo "zest.sh: $tool is not built" >&2; exit 1; }; done
for tool in mksquashfs unsquashfs tar xargs; do command -v $tool >/dev/null || { echo "zest.sh: $tool is missing" >&2; exit 1; }; done

work=$(mktemp -d /tmp/zest-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
say() { echo "zest.sh: $*" >&2; }

# --- the file lists ------------------------------------------------------------------
(cd "$tree" && find . -type f -printf '%P\n' | LC_ALL=C sort) > "$work/all"
# 1,000 names drawn with a fixed seed (awk's rand), the same every run.
awk 'BEGIN { srand(1000) } { printf "%.12f\t%s\n", rand(), $0 }' "$work/all" | LC_ALL=C sort > "$work/shuffled"
head -n 1000 "$work/shuffled" | cut -f2 > "$work/random"
sed 's|^|/|' "$work/random" > "$work/random-abs"
sed 's|^|./|' "$work/random" > "$work/random-tar"
files=$(wc -l < "$work/all")
total=$(cd "$tree" && xargs -d '\n' -a "$work/all" cat | wc -c)
random_total=$(cd "$tree" && xargs -d '\n' -a "$work/random" cat | wc -c)
say "$files files, $total bytes; random set $(wc -l < "$work/random") files, $random_total bytes"

can_drop=no
if [ -w /proc/sys/vm/drop_caches ]; then can_drop=yes; fi
drop() { sync; if [ $can_drop = yes ]; then echo 3 > /proc/sys/vm/drop_caches; fi; }

now() { date +%s.%N; }
# median of the arguments
median() { printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# time_cmd MODE CMD: runs CMD (a bash string) $runs times; MODE cold|warm|once; prints the median seconds.
time_cmd() {
    local mode=$1 cmd=$2 times=() start end n=$runs
    [ "$mode" = once ] && n=1
    [ "$mode" = warm ] && bash -c "$cmd" > /dev/null
    for ((i = 0; i < n; i++)); do
        if [ "$mode" = cold ]; then drop; else sync; fi
        start=$(now)
        bash -c "$cmd" > /dev/null
        end=$(now)
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')")
    done
    median "${times[@]}"
}

# check CMD EXPECTED WHAT: the command's output must have EXPECTED bytes.
check() {
    local got
    got=$(bash -c "$1" | wc -c)
    [ "$got" = "$2" ] || { say "$3 wrote $got bytes, expected $2"; exit 1; }
}

# time_pack CMD PREPARE: pack time, median of $runs runs, PREPARE before each.
time_pack() {
    local cmd=$1 prepare=$2 times=() start end
    for ((i = 0; i < runs; i++)); do
        bash -c "$prepare"
        sync
        start=$(now)
        bash -c "$cmd" > /dev/null
        end=$(now)
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')")
    done
    median "${times[@]}"
}

apparent() { stat -c %s "$1"; }
allocated() { echo $(( $(stat -c %b "$1") * $(stat -c %B "$1") )); }
fmt_s() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
fmt_mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }

declare -A pack size alloc cold warm

# --- host files ----------------------------------------------------------------------
say "host tree"
host_cat_all="cd '$tree' && xargs -d '\n' -a '$work/all' cat"
host_cat_rnd="cd '$tree' && xargs -d '\n' -a '$work/random' cat"
check "$host_cat_all" "$total" "cat"
pack[host]="-"
size[host]=$total
alloc[host]=$(du -s --block-size=1 "$tree" | cut -f1)
cold[host]=$(time_cmd cold "$host_cat_all")
warm[host]=$(time_cmd warm "$host_cat_rnd")

# --- squashfs, gzip --------------------------------------------------------------------
say "squashfs"
sq="$work/small.sqfs"
pack[sq]=$(time_pack "mksquashfs '$tree' '$sq' -comp gzip -noappend -quiet -no-progress" "rm -f '$sq'")
size[sq]=$(apparent "$sq"); alloc[sq]=$(allocated "$sq")
sq_all="xargs -d '\n' -a '$work/all' unsquashfs -cat '$sq'"
sq_rnd="xargs -d '\n' -a '$work/random' unsquashfs -cat '$sq'"
check "$sq_all" "$total" "unsquashfs -cat"
cold[sq]=$(time_cmd cold "$sq_all")
warm[sq]=$(time_cmd warm "$sq_rnd")

# --- tar.gz ----------------------------------------------------------------------------
say "tar.gz"
tgz="$work/small.tar.gz"
pack[tgz]=$(time_pack "tar -C '$tree' -czf '$tgz' ." "rm -f '$tgz'")
size[tgz]=$(apparent "$tgz"); alloc[tgz]=$(allocated "$tgz")
check "tar -xzOf '$tgz'" "$total" "tar -xzO"
cold[tgz]=$(time_cmd cold "tar -xzOf '$tgz'")
warm[tgz]=$(time_cmd warm "tar -xzOf '$tgz' -T '$work/random-tar'")

# --- ZEST, standalone ------------------------------------------------------------------
say "ZEST standalone"
zest="$work/small.zest"
pack[zs]=$(time_pack "'$ardaku' zest create '$zest' && '$ardaku' zest put -r -q '$zest' '$tree' /" "rm -f '$zest'")
size[zs]=$(apparent "$zest"); alloc[zs]=$(allocated "$zest")
zs_all="'$ardaku' zest get -r '$zest' /"
zs_rnd="'$ardaku' zest get -T '$work/random-abs' '$zest'"
check "$zs_all" "$total" "ardaku zest get -r"
check "$zs_rnd" "$random_total" "ardaku zest get -T"
cmp <(bash -c "$zs_rnd") <(bash -c "$host_cat_rnd") || { say "ardaku zest get -T: content differs from the host files"; exit 1; }
cold[zs]=$(time_cmd cold "$zs_all")
warm[zs]=$(time_cmd warm "$zs_rnd")

# --- ZEST, nested in an Ardaku image ---------------------------------------------------
say "ZEST nested in an image"
image="$work/small.img"
image_size=$(( (total / 1048576 + 64) * 2 ))M
pack[zn]=$(time_pack "'$mkfs' -q --zest /small.zest='$tree' '$image' $image_size" "rm -f '$image'")
size[zn]=$("$ardaku" stat --json "$image" /small.zest | awk -F'[:,]' '/"size"/ { gsub(/ /, "", $2); print $2 }')
alloc[zn]=$(allocated "$image")
zn_all="'$ardaku' zest get -r '$image' /small.zest /"
zn_rnd="'$ardaku' zest get -T '$work/random-abs' '$image' /small.zest"
check "$zn_all" "$total" "ardaku zest get -r (nested)"
check "$zn_rnd" "$random_total" "ardaku zest get -T (nested)"
cold[zn]=$(time_cmd cold "$zn_all")
warm[zn]=$(time_cmd warm "$zn_rnd")

# --- the table -------------------------------------------------------------------------
cold_label="read all, cold"
[ $can_drop = yes ] || cold_label="read all (WARM: not root, cache not dropped)"
echo "### ZEST: $files small files ($(fmt_mb "$total")) in one volume"
echo
echo "| store | pack | size | allocated | $cold_label | read 1,000 random, warm |"
echo "|---|---:|---:|---:|---:|---:|"
row() { echo "| $1 | $2 | $(fmt_mb "${size[$3]}") | $(fmt_mb "${alloc[$3]}") | $(fmt_s "${cold[$3]}") | $(fmt_s "${warm[$3]}") |"; }
row "host files (cat, one process via xargs)" "-" host
row "squashfs gzip (mksquashfs; unsquashfs -cat)" "$(fmt_s "${pack[sq]}")" sq
row "tar.gz (tar -czf; tar -xzO, -T for the 1,000)" "$(fmt_s "${pack[tgz]}")" tgz
row "**ZEST file** (zest create + put -r; get -r /; get -T)" "$(fmt_s "${pack[zs]}")" zs
row "**ZEST in an image** (mkfs.ardaku --zest; same reads)" "$(fmt_s "${pack[zn]}")" zn
echo
echo "For the nested volume, size is the ZEST file inside the image and allocated is the whole image."
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT met"; fi; }
echo "| issue 5 target | measured | |"
echo "|---|---|---|"
echo "| read all cold at least 3x faster than host files cold | $(ratio "${cold[host]}" "${cold[zs]}")x (file), $(ratio "${cold[host]}" "${cold[zn]}")x (nested) | $(verdict "${cold[host]} >= 3 * ${cold[zs]}") |"
echo "| 1,000 random warm no slower than cat | $(fmt_s "${warm[zs]}") vs $(fmt_s "${warm[host]}") (nested $(fmt_s "${warm[zn]}")) | $(verdict "${warm[zs]} <= ${warm[host]}") |"
echo "| size no larger than squashfs gzip | $(fmt_mb "${size[zs]}") vs $(fmt_mb "${size[sq]}") ($(awk -v a="${size[zs]}" -v b="${size[sq]}" 'BEGIN { printf "%.1f%%", 100 * a / b }')) | $(verdict "${size[zs]} <= ${size[sq]}") |"
