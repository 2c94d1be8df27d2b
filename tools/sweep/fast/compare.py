#!/usr/bin/env python3
"""Fidelity check of the in-process sweep: the same flips run by sweep.py (its flips.json)
and by sweep-fast (its results), flip by flip: the class, the exit status of each fsck run
and the files that did not come back identical (with their status and whether fsck named
them) must agree. sweep.py lists only the flips that are not harmless; a flip it does not list
was harmless there (first -fn exit 0, every file back identical).

  tools/sweep/fast/compare.py PLAN_DIR SWEEP_OUT_DIR FAST_OUT_DIR
"""

import glob
import json
import os
import struct
import sys

FLIP_RECORD = struct.Struct("<IBBBBHH")


def affected_set(affected):
    return frozenset((a["file"], a["status"], a["named_by_fsck"]) for a in affected)


def main(plan_dir, sweep_out, fast_out):
    with open(os.path.join(plan_dir, "plan.json")) as f:
        plan = json.load(f)
    with open(os.path.join(plan_dir, "flips.bin"), "rb") as f:
        data = f.read()
    flips = [FLIP_RECORD.unpack_from(data, i * FLIP_RECORD.size) for i in range(len(data) // FLIP_RECORD.size)]
    with open(os.path.join(sweep_out, "flips.json")) as f:
        listed = {(r["kind"], r["offset"], r["value"]): r for r in json.load(f)["flips"]}
    fast = {}
    for path in glob.glob(os.path.join(fast_out, "results", "unit-*.tsv")):
        with open(path) as f:
            for line in f:
                index, cls, _, exits, _, detail = line.rstrip("\n").split("\t", 5)
                affected = json.loads(detail).get("affected", []) if detail != "-" else []
                fast[int(index)] = (cls, [None if e == "-" else int(e) for e in exits.split(",")], affected_set(affected))
    agree, differ = 0, []
    for index, (offset, volume, mode, original, value, region, _) in enumerate(flips):
        kind = plan["volumes"][volume]["kind"]
        if index not in fast:
            differ.append("flip %d (%s 0x%x): not run by sweep-fast" % (index, kind, offset))
            continue
        cls, exits, affected = fast[index]
        record = listed.get((kind, offset, value))
        if record is None:
            same = cls == "harmless" and exits[0] == 0 and not affected
            theirs = "harmless"
        else:
            same = cls == record["class"] and exits == record["exits"] and affected == affected_set(record["affected"])
            theirs = "%s %s %s" % (record["class"], record["exits"], sorted(affected_set(record["affected"])))
        if same:
            agree += 1
        else:
            differ.append("flip %d %s %s 0x%x -> 0x%02x: sweep.py %s, sweep-fast %s %s %s" % (
                index, kind, plan["volumes"][volume]["regions"][region], offset, value, theirs, cls, exits, sorted(affected)))
    print("%d of %d flips agree (class, fsck exit statuses, files not back identical)" % (agree, len(flips)))
    for line in differ:
        print("  " + line)
    return 0 if not differ else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
