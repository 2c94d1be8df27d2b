#!/usr/bin/env bash
# Raw hex speed: dumpfs --bytes against hexdump -C and xxd on the same 256 MiB range of a
# non-trivial image (random, text, zero runs, repeated lines), plus a byte-identity check of
# dumpfs against hexdump -C with cmp. Prints one line per tool (best of N runs, MB/s of
# input, MB = 10^6 bytes) and exits non-zero when the outputs differ. Takes about 3 minutes,
# nearly all of it hexdump's.
#
# Usage: tools/bench/dumpfs-hex.sh [--runs N] [--dumpfs PATH] [--workdir DIR] [--keep]
#   --dumpfs   the binary to time (default: .build/release/dumpfs, built if missing)
#   --workdir  where the 288 MiB image goes (default: a fresh directory under /tmp)
#   --keep     keep the image afterwards (it is made again only when missing)
set -euo pipefail

runs=3
dumpfs=""
workdir=""
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --dumpfs) dumpfs="$2"; shift 2 ;;
        --workdir) workdir="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 [--runs N] [--dumpfs PATH] [--workdir DIR] [--keep]" >&2; exit 2 ;;
    esac
done

top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$dumpfs" ]; then
    dumpfs="$top/.build/release/dumpfs"
    if [ ! -x "$dumpfs" ]; then
        (cd "$top" && swift build -c release --product dumpfs >&2)
    fi
fi
for tool in hexdump xxd cmp python3; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 2; }
done

if [ -z "$workdir" ]; then workdir=$(mktemp -d /tmp/dumpfs-hex.XXXXXX); fi
mkdir -p "$workdir"
image="$workdir/bench.img"
cleanup() {
    rm -f "$workdir/hexdump.out" "$workdir/hexdump-v.out"
    if [ "$keep" = 0 ]; then rm -f "$image"; rmdir "$workdir" 2>/dev/null || true; fi
}
trap cleanup EXIT

# The image: 288 MiB in 1 MiB blocks cycling through five kinds of content, seeded so every
# run (and every machine) dumps the same bytes.
[ -f "$image" ] || python3 - "$image" <<'PY'
import random, sys
rng = random.Random(20261123)
words = ("page subpage sector trie record bitfield checksum volume ardaku zest cas "
         "the of and to in is that for it as with was on be by this").split()
text = " ".join(rng.choice(words) for _ in range(250_000)).encode()
with open(sys.argv[1], "wb") as out:
    for block in range(288):
        kind = block % 5
        if kind == 0:
            out.write(rng.randbytes(1 << 20))                      # random: no squeezing
        elif kind == 1:
            start = rng.randrange(len(text) - (1 << 20))
            out.write(text[start:start + (1 << 20)])               # text
        elif kind == 2:
            out.write(bytes(1 << 20))                              # zeros: one '*' run
        elif kind == 3:
            line = rng.randbytes(16)
            out.write(line * (1 << 16))                            # one repeated line
        else:
            # Short zero runs between random stretches: many '*' runs, many lines printed.
            chunk = bytearray()
            while len(chunk) < (1 << 20):
                chunk += rng.randbytes(rng.randrange(16, 512))
                chunk += bytes(rng.randrange(0, 256))
            out.write(bytes(chunk[:1 << 20]))
PY

offset=$((1 << 20))            # start 1 MiB in, so offsets are not all small
length=$((256 << 20))
mb=$(python3 -c "print($length / 1e6)")

best() {  # best wall time in seconds of N runs of "$@" with stdout to /dev/null
    local best_time="" t
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null
        end=$(date +%s.%N)
        t=$(python3 -c "print($end - $start)")
        if [ -z "$best_time" ] || python3 -c "import sys; sys.exit(0 if $t < $best_time else 1)"; then best_time=$t; fi
    done
    echo "$best_time"
}

once() {  # wall time in seconds of one run of "$@" with stdout to the file $out
    local start end
    start=$(date +%s.%N)
    "$@" >"$out"
    end=$(date +%s.%N)
    python3 -c "print($end - $start)"
}

cat "$image" >/dev/null   # warm the page cache so every tool reads from memory

t_dumpfs=$(best "$dumpfs" -q "$image" --bytes "$offset:$length")
t_xxd=$(best xxd -s "$offset" -l "$length" "$image")
t_dumpfs_v=$(best "$dumpfs" -q -v "$image" --bytes "$offset:$length")
# hexdump is 50-100 times slower: one run each, its output kept for the identity check.
out="$workdir/hexdump.out"; t_hexdump=$(once hexdump -C -s "$offset" -n "$length" "$image")
out="$workdir/hexdump-v.out"; t_hexdump_v=$(once hexdump -C -v -s "$offset" -n "$length" "$image")

report() { python3 -c "print(f'{\"$1\":<22} {$2:8.3f} s  {$mb / $2:9.1f} MB/s')"; }
echo "256 MiB range of a 288 MiB image (random, text, zeros, repeated lines); dumpfs and xxd best of $runs"
echo "to /dev/null, hexdump one run to a file"
report "dumpfs --bytes" "$t_dumpfs"
report "hexdump -C" "$t_hexdump"
report "xxd" "$t_xxd"
report "dumpfs --bytes -v" "$t_dumpfs_v"
report "hexdump -C -v" "$t_hexdump_v"
python3 -c "print(f'dumpfs / xxd: {$t_xxd / $t_dumpfs:.1f}x   dumpfs / hexdump -C: {$t_hexdump / $t_dumpfs:.1f}x')"

status=0
if cmp <("$dumpfs" -q "$image" --bytes "$offset:$length") "$workdir/hexdump.out"; then
    echo "identity: dumpfs --bytes = hexdump -C (cmp)"
else
    echo "identity: OUTPUTS DIFFER (dumpfs --bytes vs hexdump -C)"; status=1
fi
if cmp <("$dumpfs" -q -v "$image" --bytes "$offset:$length") "$workdir/hexdump-v.out"; then
    echo "identity: dumpfs --bytes -v = hexdump -C -v (cmp)"
else
    echo "identity: OUTPUTS DIFFER (dumpfs --bytes -v vs hexdump -C -v)"; status=1
fi
exit $status
