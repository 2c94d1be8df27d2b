#!/usr/bin/env python3
"""Byte-flip sweep of fsck.zest's check and repair (issue 13, section 2).

Builds deterministic reference volumes (an Ardaku image, a standalone ZEST file, a standalone
CAS file), then flips single bytes of their metadata (found through dumpfs, never hard-coded)
and, for each flip on a fresh copy, runs `fsck.zest -fn`, `fsck.zest -fy`, `fsck.zest -fn` and
reads every file back. Each flip is classified:

  harmless   the first -fn exits 0 and every file reads back byte-identical
  recovered  the first -fn found something, and after -fy every file reads back identical
  reported   some file does not read back identical, but each such file is named in the
             output of -fy or of the second -fn, or `get` refuses it with an error
  SILENT     a file reads back successfully with other content, or disappears, and no fsck
             output names it (must be 0)
  crash      a tool died by a signal, ran past the timeout, or fsck exited outside
             {0, 1, 4, 8} (must be 0)

`detected` (the first -fn exited 4, 8 or 1) is counted beside the classes.
Standard library only. See tools/sweep/README.md.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

EPOCH = 1700000000
UUID = "5ee9f11b-0d1c-4a6e-9b7d-2c3e4f5a6b7c"
PAGE = 65536
SUBPAGE = 16384
ALLOWED_FSCK_EXITS = {0, 1, 4, 8}
KINDS = ("ardaku", "zest", "cas")
CLASSES = ("harmless", "recovered", "reported", "silent", "crash")
TAGS = ("snap-one", "snap-two")   # distinctive, so a tag's name is found in fsck's output

# Regions whose bytes are sampled rather than swept in full, and counted apart: they hold
# file content, or bytes the format says have no meaning.
SAMPLED_REGIONS = {
    "ardaku": {"data pages (sample)": 200, "record slack (no meaning)": 40},
    "zest": {"content (sample)": 200, "header padding (no meaning)": 40},
    "cas": {"pack bytes (sample)": 300, "object bytes (sample)": 100, "header slot unused (no meaning)": 40},
}


# ----------------------------------------------------------------------------------------
# Running tools

class Tools:
    def __init__(self, bindir, timeout):
        self.bindir = bindir
        self.timeout = timeout
        self.env = dict(os.environ)
        self.env["SOURCE_DATE_EPOCH"] = str(EPOCH)
        self.env["SWIFT_BACKTRACE"] = "enable=no"
        self.env["LC_ALL"] = "C"
        self.env["TZ"] = "UTC"

    def path(self, tool):
        return os.path.join(self.bindir, tool)

    def run(self, tool, args, stdout_path=None, cwd=None):
        """Runs a tool; returns (exit, stdout, stderr, crash_reason or None).

        exit is the exit status, or -SIGNAL, or None after a timeout."""
        out_handle = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
        try:
            proc = subprocess.Popen([self.path(tool)] + args, stdin=subprocess.DEVNULL, stdout=out_handle,
                                    stderr=subprocess.PIPE, env=self.env, cwd=cwd, start_new_session=True)
            try:
                out, err = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                out, err = proc.communicate()
                return None, _text(out), _text(err), "timeout after %gs" % self.timeout
        finally:
            if stdout_path:
                out_handle.close()
        code = proc.returncode
        crash = None
        if code < 0:
            crash = "killed by signal %d (%s)" % (-code, _signame(-code))
        return code, _text(out), _text(err), crash

    def check(self, tool, args, **kw):
        code, out, err, crash = self.run(tool, args, **kw)
        if code != 0:
            raise SystemExit("sweep: %s %s failed (%s): %s%s" % (tool, " ".join(args), crash or code, out, err))
        return out


def _text(data):
    if data is None:
        return ""
    return data.decode("utf-8", "replace")


def _signame(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "?"


def find_bindir(repo, requested):
    if requested:
        return os.path.abspath(requested)
    for config in ("release", "debug"):
        candidate = os.path.join(repo, ".build", config)
        if os.path.exists(os.path.join(candidate, "fsck.zest")):
            return candidate
    return os.path.join(repo, ".build", "release")


# ----------------------------------------------------------------------------------------
# Reference trees and volumes (deterministic)

def _payload(rng, size, text=True):
    if not text:
        return bytes(rng.getrandbits(8) for _ in range(size))
    words = [b"ardaku", b"zest", b"page", b"record", b"trie", b"fsck", b"hole", b"crc", b"sweep", b"bitfield",
             b"extension", b"volume", b"\n", b"tag", b"pack", b"object", b"0123456789"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" "
    return bytes(out[:size])


def write_file(root, name, data=b"", size=None, chunks=None):
    """Writes root+name. chunks: [(offset, bytes)] written into a sparse file of `size` bytes."""
    path = os.path.join(root, name.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        if chunks is None:
            f.write(data)
        else:
            for offset, piece in chunks:
                f.seek(offset)
                f.write(piece)
            f.truncate(size)
    os.utime(path, (EPOCH, EPOCH))


def fix_times(root):
    for directory, dirs, files in os.walk(root):
        for name in files + dirs:
            os.utime(os.path.join(directory, name), (EPOCH, EPOCH), follow_symlinks=False)
    os.utime(root, (EPOCH, EPOCH))


def make_ardaku_tree(root):
    rng = random.Random(1301)
    P = PAGE
    write_file(root, "/empty")
    write_file(root, "/one-byte", b"Z")
    write_file(root, "/page-exact", _payload(rng, P, text=False))
    write_file(root, "/short-last", _payload(rng, 2 * P + 1234, text=False))
    write_file(root, "/several-pages", _payload(rng, 5 * P, text=True))
    # Holes: pages 1-3 and 5-6 never written, so they are zeros and stored as holes.
    write_file(root, "/holes/sparse.bin", size=7 * P + 999,
               chunks=[(0, _payload(rng, P, False)), (4 * P, _payload(rng, 300, False)),
                       (7 * P, _payload(rng, 999, False))])
    # More data pages (2100) than a short name's record lists inline (~2031): an extension page.
    write_file(root, "/long/extended.bin", size=2100 * P - 4321,
               chunks=[(0, _payload(rng, 100, False)), (700 * P + 5, _payload(rng, 2000, False)),
                       (2040 * P, _payload(rng, P, False)), (2099 * P, _payload(rng, P - 4321, False))])
    sizes = [3, 17, 100, 511, 512, 513, 1000, 4095, 4096, 4097, 9000, 20000, 65535, 65537, 30000, 777,
             2048, 60, 123, 4500, 8191, 250]
    dirs = ["/docs", "/docs/sub", "/docs/sub/deep", "/src/a/b/c", "/src", "/etc/conf.d", "/var/log/old"]
    for i, size in enumerate(sizes):
        name = "%s/file-%02d.%s" % (dirs[i % len(dirs)], i, "txt" if i % 3 else "bin")
        write_file(root, name, _payload(rng, size, text=bool(i % 3)))
    # Entries of the other kinds (FORMAT §7.2, §7.3, §9): a second name of a file, a symbolic
    # link to a file (read back through it), an empty directory.
    os.link(os.path.join(root, "docs/file-00.bin"), os.path.join(root, "docs/sub/hard-link.bin"))
    os.symlink("../docs/sub/file-01.txt", os.path.join(root, "src/link.txt"))
    os.makedirs(os.path.join(root, "empty-dir"))
    fix_times(root)


def make_zest_tree(root):
    rng = random.Random(1302)
    # Long directory names for some files, so that the table needs two fragments (a chain link).
    long_dir = "/archive/" + "/".join("level-%d-of-a-deliberately-long-directory-name" % i for i in range(4))
    dirs = ["/cfg", long_dir + "/a", "/cfg/net/if", long_dir, "/notes/2026", long_dir + "/more", "/bin",
            long_dir + "/b", "/data/x/y", long_dir + "/yet-another-long-directory-name-inside"]
    sizes = [0, 1, 9, 40, 120, 300, 700, 1200, 2000, 3000, 5000, 8000, 64, 256, 1024, 4096, 4097, 12000,
             33, 77, 150, 600, 2500, 90, 10, 500, 1800, 7000, 222, 3333]
    for i, size in enumerate(sizes):
        name = "%s/z-%02d.%s" % (dirs[i % len(dirs)], i, "ini" if i % 4 else "dat")
        write_file(root, name, _payload(rng, size, text=bool(i % 4)))
    fix_times(root)


def make_cas_trees(root1, root2):
    rng = random.Random(1303)
    dirs = ["/src", "/src/lib", "/src/lib/deep", "/doc", "/assets", "/assets/img/raw"]
    sizes = [0, 1, 10, 100, 700, 1500, 3000, 6000, 12000, 20000, 50000, 70000, 300, 4096, 8192, 90,
             2222, 5555, 40, 15000, 1000, 64, 128, 900, 4000, 11, 333, 7777, 1234, 600]
    files = {}
    for i, size in enumerate(sizes):
        name = "%s/c-%02d.%s" % (dirs[i % len(dirs)], i, "txt" if i % 3 else "bin")
        files[name] = _payload(rng, size, text=bool(i % 3))
    # A large file the chunker splits (over 64 KiB of varied bytes).
    files["/assets/big.bin"] = _payload(rng, 300000, text=False)
    for name, data in files.items():
        write_file(root1, name, data)
    # The second snapshot: two files changed, one removed, one added.
    changed = dict(files)
    changed["/src/c-00.bin"] = b"now not empty\n"
    changed["/doc/c-03.bin"] = files["/doc/c-03.bin"] + b" and more"
    del changed["/src/lib/c-01.txt"]
    changed["/src/new-file.txt"] = _payload(rng, 2345, text=True)
    for name, data in changed.items():
        write_file(root2, name, data)
    fix_times(root1)
    fix_times(root2)


def snapshot_tree(root):
    """{name: (size, sha256)} of every regular file under root, names absolute with '/'."""
    result = {}
    for directory, _, files in os.walk(root):
        for f in files:
            path = os.path.join(directory, f)
            name = "/" + os.path.relpath(path, root)
            result[name] = file_digest(path)
    return result


def data_runs(path):
    """The file's data runs (start, end), from SEEK_DATA/SEEK_HOLE: holes are skipped."""
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        position = 0
        while position < size:
            try:
                start = os.lseek(fd, position, os.SEEK_DATA)
            except OSError:
                break
            try:
                end = os.lseek(fd, start, os.SEEK_HOLE)
            except OSError:
                end = size
            yield fd, start, end
            position = end
    finally:
        os.close(fd)


def file_digest(path):
    """(size, digest) of a file's content, sparse-aware: the digest covers every 64 KiB block
    that is not all zeros, with its offset, so holes and written zeros compare equal and a
    sparse file of 130 MiB is read only where it holds data. A symbolic link is its target
    (never followed: moved to lost+found it may name nothing)."""
    if os.path.islink(path):
        return ("symlink", os.readlink(path))
    h = hashlib.sha256()
    block = 1 << 16
    zero = bytes(block)
    done = 0
    for fd, start, end in data_runs(path):
        offset = max(start - start % block, done)
        while offset < end:
            data = os.pread(fd, block, offset)
            if not data:
                break
            if data != zero[:len(data)]:
                h.update(offset.to_bytes(8, "little") + data)
            offset += block
        done = max(end, offset)
    return os.path.getsize(path), h.hexdigest()


# ----------------------------------------------------------------------------------------
# Regions: which bytes to flip, found through dumpfs

class Region:
    def __init__(self, name, sampled=False):
        self.name = name
        self.sampled = sampled
        self.ranges = []   # [(start, end)]

    def add(self, start, end):
        if end > start:
            self.ranges.append((start, end))

    @property
    def size(self):
        return sum(e - s for s, e in self.ranges)

    def position(self, index):
        for s, e in self.ranges:
            if index < e - s:
                return s + index
            index -= e - s
        raise IndexError(index)

    def contains(self, offset):
        return any(s <= offset < e for s, e in self.ranges)


def dumpfs_json(tools, args):
    out = tools.check("dumpfs", ["-q", "--json"] + args)
    return json.loads(out)


def field(structure, name):
    for f in structure.get("fields", []):
        if f.get("name") == name:
            return f
    return None


def ardaku_regions(tools, image):
    owners = dumpfs_json(tools, [image, "--owners"])
    regions = {n: Region(n) for n in ("system block", "backup", "bitfield", "trie pages", "records",
                                      "extension pages")}
    regions["data pages (sample)"] = Region("data pages (sample)", sampled=True)
    regions["record slack (no meaning)"] = Region("record slack (no meaning)", sampled=True)
    records = []
    for run in owners["runs"]:
        first, last = run["first"], run["last"]
        for owner in run.get("owners", []):
            kind = owner["kind"]
            start, end = first * PAGE, (last + 1) * PAGE
            if kind == "system_block":
                regions["system block" if owner.get("copy", 0) == 0 else "backup"].add(start, end)
            elif kind == "bitfield":
                regions["bitfield"].add(start, end)
            elif kind == "trie_page":
                regions["trie pages"].add(start, end)
            elif kind == "extension_page":
                regions["extension pages"].add(start, end)
            elif kind == "records":
                for sub in owner.get("subpages", []):
                    if sub.get("file"):
                        records.append((sub["subpage"], sub["file"]))
    # One `dumpfs --file` per file gives its record (the bytes in use are 0 ..< used_length; the
    # rest of the subpage has no meaning) and its data pages (only the bytes of the file in each).
    for subpage, name in records:
        view = dumpfs_json(tools, [image, "--file", name])
        used = field(view["record"], "used_length")
        used_length = used["integer"] if used else SUBPAGE
        used_length = max(0x80, min(SUBPAGE, used_length))
        base = subpage * SUBPAGE
        regions["records"].add(base, base + used_length)
        regions["record slack (no meaning)"].add(base + used_length, base + SUBPAGE)
        for page in view.get("data_pages", []):
            if page.get("hole") or page.get("page") in (None, 0):
                continue
            regions["data pages (sample)"].add(page["page"] * PAGE, page["page"] * PAGE + page["bytes"])
    for r in regions.values():
        r.ranges.sort()
    return [r for r in regions.values() if r.size]


def zest_regions(tools, zest):
    view = dumpfs_json(tools, [zest, "--zest", "-"])
    regions = {n: Region(n) for n in ("header", "header backup", "ZAT current slots", "ZAT other slots")}
    regions["header padding (no meaning)"] = Region("header padding (no meaning)", sampled=True)
    regions["content (sample)"] = Region("content (sample)", sampled=True)
    # The two header copies as dumpfs places them; the rest of the first 4096 bytes is zero
    # padding (FORMAT.md §Z2), which no reader looks at.
    headers = [(h["offset"], h["offset"] + h["size"]) for h in view.get("headers", [])]
    for i, (start, end) in enumerate(sorted(headers)[:2]):
        regions["header" if i == 0 else "header backup"].add(start, end)
    position = 0
    for start, end in sorted(headers):
        regions["header padding (no meaning)"].add(position, start)
        position = end
    first_fragment = min([f["volume_offset"] for f in view.get("fragments", [])] or [4096])
    regions["header padding (no meaning)"].add(position, first_fragment)
    for fragment in view.get("fragments", []):
        current = fragment.get("current_slot")
        for number, slot in enumerate(fragment.get("slots", [])):
            which = "ZAT current slots" if number == current else "ZAT other slots"
            regions[which].add(slot["offset"], slot["offset"] + slot["size"])
    segment = view.get("segment_size") or 4096
    for fragment in view.get("fragments", []):
        for entry in fragment.get("entries", []):
            start = field(entry, "segmentStart")
            stored = field(entry, "storedLength")
            if start and stored and stored["integer"]:
                s = start["integer"] * segment
                regions["content (sample)"].add(s, s + stored["integer"])
    return [r for r in regions.values() if r.size]


CAS_HEADERS = {"object": 56, "pack": 32, "index": 32, "tag table": 32, "free": 16}


def _raw_integer(f):
    """A CAS dump field's value: its `raw` is "5 (0x0000000000000005)"."""
    if not f:
        return None
    match = re.match(r"\s*(\d+)", str(f.get("raw", "")))
    return int(match.group(1)) if match else None


def cas_regions(tools, cas):
    view = dumpfs_json(tools, [cas, "--cas", "-"])
    names = ("header slot (current)", "header slot (other)", "record headers", "index", "tag table",
             "previous index and tag table")
    regions = {n: Region(n) for n in names}
    for name in SAMPLED_REGIONS["cas"]:
        regions[name] = Region(name, sampled=True)
    slots = []
    tables = []
    for s in view["structures"]:
        kind = s.get("kind", "")
        offset, length = s["offset"], s["length"]
        if kind == "header slot":
            generation = _raw_integer(field(s, "generation"))
            slots.append((generation if generation is not None else -1, offset,
                          _raw_integer(field(s, "index offset")), _raw_integer(field(s, "tag table offset"))))
        elif kind in ("index", "tag table"):
            tables.append((kind, offset, length))
        elif kind in CAS_HEADERS:
            header = CAS_HEADERS[kind]
            regions["record headers"].add(offset, offset + min(header, length))
            if kind == "pack":
                regions["pack bytes (sample)"].add(offset + header, offset + length)
            elif kind == "object":
                regions["object bytes (sample)"].add(offset + header, offset + length)
    slots.sort(reverse=True)
    current = slots[0][2:] if slots else ()
    for kind, offset, length in tables:
        # The index and tag table the current header names; the older generation's are kept (C5).
        regions[kind if offset in current else "previous index and tag table"].add(offset, offset + length)
    for i, slot in enumerate(slots):
        offset = slot[1]
        regions["header slot (current)" if i == 0 else "header slot (other)"].add(offset, offset + 128)
        regions["header slot unused (no meaning)"].add(offset + 128, offset + 4096)
    return [r for r in regions.values() if r.size]


# ----------------------------------------------------------------------------------------
# Reference set-up

class Reference:
    """One reference volume: its bytes, its files, its regions, and how to read it back."""

    def __init__(self, kind, path, expected, regions):
        self.kind = kind
        self.path = path
        self.expected = expected          # ardaku/zest: {name: digest}; cas: {tag: {name: digest}}
        self.regions = regions
        self.trees = {}                   # the trees `expected` was read from: {"": dir} or {tag: dir}
        self.size = os.path.getsize(path)
        self.extents = read_extents(path)
        with open(path, "rb") as f:
            self.sha256 = hashlib.sha256(f.read()).hexdigest()

    def byte_at(self, offset):
        for start, data in self.extents:
            if start <= offset < start + len(data):
                return data[offset - start]
        return 0

    def copy_to(self, target):
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.ftruncate(fd, self.size)
            for start, data in self.extents:
                os.pwrite(fd, data, start)
        finally:
            os.close(fd)

    def region_of(self, offset):
        for r in self.regions:
            if r.contains(offset):
                return r.name
        return "other"

    def names(self):
        if self.kind == "cas":
            return {n for tree in self.expected.values() for n in tree}
        return set(self.expected)


def read_extents(path):
    return [(start, os.pread(fd, end - start, start)) for fd, start, end in data_runs(path)]


def build_references(tools, kinds, refdir):
    if os.path.exists(refdir):
        shutil.rmtree(refdir)
    os.makedirs(refdir)
    refs = {}
    if "ardaku" in kinds:
        tree = os.path.join(refdir, "ardaku-tree")
        make_ardaku_tree(tree)
        image = os.path.join(refdir, "ardaku.img")
        tools.check("mkfs.ardaku", ["-q", "-U", UUID, "-L", "sweep", "-d", tree, image, "16M"])
        code, out, err, _ = tools.run("fsck.zest", ["-fn", image])
        if code != 0:
            raise SystemExit("sweep: the reference image is not clean (fsck -fn exit %s):\n%s%s" % (code, out, err))
        refs["ardaku"] = Reference("ardaku", image, snapshot_tree(tree), ardaku_regions(tools, image))
        refs["ardaku"].trees = {"": tree}
    if "zest" in kinds:
        tree = os.path.join(refdir, "zest-tree")
        make_zest_tree(tree)
        zest = os.path.join(refdir, "ref.zest")
        tools.check("ardaku", ["zest", "create", zest])
        tools.check("ardaku", ["zest", "put", "-r", zest, tree, "/"])
        code, out, err, _ = tools.run("fsck.zest", ["-fn", zest])
        if code != 0:
            raise SystemExit("sweep: the reference ZEST file is not clean (fsck -fn exit %s):\n%s%s" % (code, out, err))
        refs["zest"] = Reference("zest", zest, snapshot_tree(tree), zest_regions(tools, zest))
        refs["zest"].trees = {"": tree}
    if "cas" in kinds:
        tree1, tree2 = os.path.join(refdir, "cas-tree-1"), os.path.join(refdir, "cas-tree-2")
        make_cas_trees(tree1, tree2)
        cas = os.path.join(refdir, "ref.cas")
        tools.check("ardaku", ["cas", "put", "-r", cas, tree1, "--tag", TAGS[0]])
        tools.check("ardaku", ["cas", "put", "-r", cas, tree2, "--tag", TAGS[1]])
        code, out, err, _ = tools.run("fsck.zest", ["-fn", cas])
        if code != 0:
            raise SystemExit("sweep: the reference CAS file is not clean (fsck -fn exit %s):\n%s%s" % (code, out, err))
        refs["cas"] = Reference("cas", cas, {TAGS[0]: snapshot_tree(tree1), TAGS[1]: snapshot_tree(tree2)},
                                cas_regions(tools, cas))
        refs["cas"].trees = {TAGS[0]: tree1, TAGS[1]: tree2}
    return refs


# ----------------------------------------------------------------------------------------
# Choosing the flips

def flip_value(seed, kind, offset, original, mode):
    """The new byte: original ^ 0xFF, or a seeded random value other than the original."""
    if mode == "xor":
        return original ^ 0xFF
    rng = random.Random("%d/%s/%d" % (seed, kind, offset))
    value = rng.randrange(256)
    while value == original:
        value = rng.randrange(256)
    return value


def plan_flips(ref, seed, sample, limit, regions_filter=None):
    """[(offset, mode, region)]: every byte twice, or a sample spread over the regions."""
    rng = random.Random("%d/%s/plan" % (seed, ref.kind))
    regions = [r for r in ref.regions if not regions_filter or r.name in regions_filter]
    flips = []
    if sample is None:
        for r in regions:
            if r.sampled:
                cap = SAMPLED_REGIONS[ref.kind].get(r.name, 100)
                chosen = sorted(rng.sample(range(r.size * 2), min(cap, r.size * 2)))
            else:
                chosen = range(r.size * 2)
            for i in chosen:
                flips.append((r.position(i // 2), ("xor", "random")[i % 2], r.name))
    else:
        # Equal shares per region (the sampled ones at half weight), capped by what a region holds;
        # what a small region cannot use goes to the others.
        weights = {r.name: (0.5 if r.sampled else 1.0) for r in regions}
        capacity = {r.name: r.size * 2 for r in regions}
        quota = {r.name: 0 for r in regions}
        left = sample
        open_regions = [r.name for r in regions]
        while left > 0 and open_regions:
            total = sum(weights[n] for n in open_regions)
            given = 0
            for n in list(open_regions):
                share = max(1, int(left * weights[n] / total))
                share = min(share, capacity[n] - quota[n], left - given)
                quota[n] += share
                given += share
                if quota[n] >= capacity[n]:
                    open_regions.remove(n)
                if given >= left:
                    break
            left -= given
            if given == 0:
                break
        for r in regions:
            for i in sorted(rng.sample(range(r.size * 2), quota[r.name])):
                flips.append((r.position(i // 2), ("xor", "random")[i % 2], r.name))
    flips.sort()
    if limit is not None:
        flips = flips[:limit]
    return flips


# ----------------------------------------------------------------------------------------
# One trial

def name_pattern(name):
    # The name as a whole word: not inside a longer name (/lost+found/x holds /x after 'd').
    return re.compile(r"(?<![^\s'\"(\[=,:])" + re.escape(name) + r"(?![^\s'\",;:)\]])")


NOT_FOUND = re.compile(r"not found|no such|does not exist|not in the|unknown tag|no tag|no file", re.I)


def compare_file(path, digest):
    if not os.path.isfile(path) and not os.path.islink(path):
        return "missing"
    return "identical" if file_digest(path) == digest else "differs"


def read_back_tree(tools, ref, image, workdir, expected, get_all, get_one):
    """{name: status} for every expected name: identical, differs, missing, refused; + extras, log."""
    out_dir = os.path.join(workdir, "out")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    log = []
    crashes = []
    code, out, err, crash = get_all(image, out_dir)
    log.append(("get -r", code, out + err))
    if crash:
        crashes.append("get -r: " + crash)
    statuses = {}
    for name, digest in expected.items():
        statuses[name] = compare_file(os.path.join(out_dir, name.lstrip("/")), digest)
    extras = sorted(set(snapshot_tree(out_dir)) - set(expected))
    # One by one for what the whole-tree read did not bring back identical, so that one
    # failure does not hide another and a refusal is told from a disappearance.
    for name, status in list(statuses.items()):
        if status == "identical":
            continue
        target = os.path.join(workdir, "one")
        if os.path.exists(target):
            os.unlink(target)
        code, out, err, crash = get_one(image, name, target)
        if crash:
            crashes.append("get %s: %s" % (name, crash))
        if code == 0 and os.path.isfile(target):
            statuses[name] = "identical" if file_digest(target) == expected[name] else "differs"
        elif code is not None:
            message = (out + err).strip()
            statuses[name] = "missing" if NOT_FOUND.search(message) else "refused"
            log.append(("get " + name, code, message))
    return statuses, extras, log, crashes


def run_trial(tools, ref, offset, value, scratch, keepdir=None, verbose=False):
    workdir = tempfile.mkdtemp(prefix="flip-", dir=scratch)
    try:
        image = os.path.join(workdir, os.path.basename(ref.path))
        ref.copy_to(image)
        fd = os.open(image, os.O_WRONLY)
        os.pwrite(fd, bytes([value]), offset)
        os.close(fd)
        flipped = os.path.join(workdir, "flipped-" + os.path.basename(ref.path))
        if keepdir or verbose:
            shutil.copyfile(image, flipped)
        result = {"exits": [], "crash": []}
        outputs = []
        for label, args in (("fn1", ["-fn"]), ("fy", ["-fy"]), ("fn2", ["-fn"])):
            code, out, err, crash = tools.run("fsck.zest", args + [image], cwd=workdir)
            result["exits"].append(code)
            outputs.append(out + err)
            if crash:
                result["crash"].append("fsck %s: %s" % (" ".join(args), crash))
            elif code not in ALLOWED_FSCK_EXITS:
                result["crash"].append("fsck %s: exit %d" % (" ".join(args), code))
            if verbose:
                print("---- fsck.zest %s (exit %s) ----\n%s" % (" ".join(args), code, out + err))
        files = {}
        extras = {}
        logs = []
        if ref.kind == "ardaku":
            statuses, extra, log, crashes = read_back_tree(
                tools, ref, image, workdir, ref.expected,
                lambda img, out: tools.run("ardaku", ["get", "-r", img, "/", out]),
                lambda img, name, target: tools.run("ardaku", ["get", img, name, target]))
            files.update(statuses)
            extras["/"] = extra
            logs += log
            result["crash"] += crashes
        elif ref.kind == "zest":
            statuses, extra, log, crashes = read_back_tree(
                tools, ref, image, workdir, ref.expected,
                lambda img, out: tools.run("ardaku", ["zest", "get", "-r", "-o", out, img, "/"]),
                lambda img, name, target: tools.run("ardaku", ["zest", "get", img, name], stdout_path=target))
            files.update(statuses)
            extras["/"] = extra
            logs += log
            result["crash"] += crashes
        else:
            for tag, expected in ref.expected.items():
                out_dir = os.path.join(workdir, "out-" + tag)
                code, out, err, crash = tools.run("ardaku", ["cas", "get", "-r", image, tag, out_dir])
                logs.append(("cas get -r " + tag, code, out + err))
                if crash:
                    result["crash"].append("cas get %s: %s" % (tag, crash))
                message = (out + err).strip()
                for name, digest in expected.items():
                    status = compare_file(os.path.join(out_dir, name.lstrip("/")), digest)
                    # A file get -r wrote with other content stays "differs" whatever its exit;
                    # one it did not write, when it failed, was refused (or its tag is gone).
                    if status == "missing" and code not in (0, None):
                        status = "tag missing" if NOT_FOUND.search(message) else "refused"
                    files["%s:%s" % (tag, name)] = status
                if os.path.isdir(out_dir):
                    extras[tag] = sorted(set(snapshot_tree(out_dir)) - set(expected))
                    shutil.rmtree(out_dir, ignore_errors=True)
        # Which damaged files does fsck's repair or its second check name?
        repair_text = outputs[1] + "\n" + outputs[2]
        affected = []
        silent = []
        for key, status in sorted(files.items()):
            if status == "identical":
                continue
            if ref.kind == "cas":
                tag, name = key.split(":", 1)
                named = bool(name_pattern(name).search(repair_text)) or (
                    status == "tag missing" and bool(name_pattern(tag).search(repair_text)))
            else:
                name = key
                named = bool(name_pattern(name).search(repair_text))
            refused = status == "refused"
            affected.append({"file": key, "status": status, "named_by_fsck": named})
            if not named and not refused:
                silent.append(key)
        fn1 = result["exits"][0]
        detected = fn1 in (1, 4, 8)
        if result["crash"]:
            cls = "crash"
        elif silent:
            cls = "silent"
        elif affected:
            cls = "reported"
        elif fn1 == 0:
            cls = "harmless"
        else:
            cls = "recovered"
        codes = [sorted(set(re.findall(r"\b[AZC]\d{4}\b", text))) for text in outputs]
        record = {
            "class": cls, "detected": detected, "exits": result["exits"], "crash": result["crash"],
            "affected": affected, "silent_files": silent, "extra_files": extras, "codes": codes,
        }
        # The transcripts of what needs a look (a full sweep has ~10^5 recovered flips).
        if cls in ("reported", "silent", "crash") or result["exits"][2] != 0 or verbose:
            record["fsck_output"] = [o if len(o) <= 4000 else o[:2000] + "\n[...]\n" + o[-2000:] for o in outputs]
            record["get_log"] = [(label, code, text[-1000:]) for label, code, text in logs[:8]]
        if keepdir and cls in ("silent", "crash"):
            os.makedirs(keepdir, exist_ok=True)
            kept = os.path.join(keepdir, "%s-0x%x-%02x-%s" % (ref.kind, offset, value, os.path.basename(ref.path)))
            shutil.copyfile(flipped, kept)
            record["kept_image"] = kept
        return record
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ----------------------------------------------------------------------------------------
# The plan of the in-process sweep (tools/sweep/fast): the same flips, run without processes

FLIP_RECORD = struct.Struct("<IBBBBHH")   # offset, volume, mode (0 xor, 1 random), original, value, region, 0


def emit_plan(args, refs, kinds):
    """plan.json (the volumes, their trees and regions) and flips.bin (one FLIP_RECORD per
    flip, in the order a run here would make them)."""
    os.makedirs(args.emit_plan, exist_ok=True)
    volumes = []
    with open(os.path.join(args.emit_plan, "flips.bin"), "wb") as out:
        for number, kind in enumerate(kinds):
            ref = refs[kind]
            names = [r.name for r in ref.regions]
            count = 0
            for offset, mode, region in plan_flips(ref, args.seed, args.sample, args.limit, args.region):
                original = ref.byte_at(offset)
                value = flip_value(args.seed, kind, offset, original, mode)
                out.write(FLIP_RECORD.pack(offset, number, ("xor", "random").index(mode), original, value, names.index(region), 0))
                count += 1
            volumes.append({"kind": kind, "path": ref.path, "bytes": ref.size, "sha256": ref.sha256, "trees": ref.trees,
                            "regions": names, "flips": count})
    args.planned = sum(v["flips"] for v in volumes)
    document = {"schema": "ardaku-sweep-plan/1", "seed": args.seed, "sample": args.sample, "limit": args.limit,
                "region_filter": args.region, "volumes": volumes}
    with open(os.path.join(args.emit_plan, "plan.json"), "w") as f:
        json.dump(document, f, indent=1)


# ----------------------------------------------------------------------------------------
# Reporting

COLUMNS = ("flips", "harmless", "detected", "recovered", "reported", "silent", "crashes", "fn2!=0")


def summarize(results, refs):
    table = {}
    for r in results:
        row = table.setdefault((r["kind"], r["region"]), dict.fromkeys(COLUMNS, 0))
        row["flips"] += 1
        row["detected"] += r["detected"]
        row["fn2!=0"] += r["exits"][2] not in (0,)
        key = {"crash": "crashes"}.get(r["class"], r["class"])
        row[key] += 1
    order = []
    for kind in KINDS:
        if kind in refs:
            for region in refs[kind].regions:
                if (kind, region.name) in table:
                    order.append((kind, region.name))
    return table, order


def format_table(table, order):
    width = max([len("%s / %s" % k) for k in order] + [20])
    lines = ["%-*s %s" % (width, "kind / region", " ".join("%9s" % c for c in COLUMNS))]
    totals = {}
    for key in order:
        row = table[key]
        lines.append("%-*s %s" % (width, "%s / %s" % key, " ".join("%9d" % row[c] for c in COLUMNS)))
        total = totals.setdefault(key[0], dict.fromkeys(COLUMNS, 0))
        for c in COLUMNS:
            total[c] += row[c]
    for kind, total in totals.items():
        lines.append("%-*s %s" % (width, "%s / ALL" % kind, " ".join("%9d" % total[c] for c in COLUMNS)))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------

def parse_args(argv):
    repo = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    p = argparse.ArgumentParser(description="Byte-flip sweep of fsck.zest's check and repair (issue 13).")
    p.add_argument("--kind", choices=KINDS + ("all",), default="all")
    p.add_argument("--sample", type=int, metavar="N",
                   help="a random sample of N flips per kind, spread over the regions (default: every byte)")
    p.add_argument("--limit", type=int, metavar="N", help="at most N flips per kind (after --sample)")
    p.add_argument("--region", action="append", metavar="NAME", help="only this region (repeatable)")
    p.add_argument("--jobs", type=int, default=2, help="parallel trials (default 2)")
    p.add_argument("--seed", type=int, default=13, help="seed of the sample and the random values (default 13)")
    p.add_argument("--bin", metavar="DIR",
                   help="directory of mkfs.ardaku, ardaku, fsck.zest, dumpfs (default .build/release, else .build/debug)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="where the reference volumes, summary.txt and flips.json go (default /tmp/ardaku-sweep)")
    p.add_argument("--keep", action="store_true", help="keep the flipped image of every silent or crash flip in OUT/kept")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds per command before it counts as a hang")
    p.add_argument("--replay", metavar="OFFSET:VALUE",
                   help="run one flip (byte OFFSET set to VALUE, decimal or 0x) of --kind verbosely")
    p.add_argument("--list-regions", action="store_true", help="print the regions and their sizes, and stop")
    p.add_argument("--emit-plan", metavar="DIR",
                   help="write the flips this run would make to DIR (plan.json, flips.bin) for tools/sweep/fast, and stop")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    args.repo = repo
    return args


def main(argv=None):
    args = parse_args(argv)
    bindir = find_bindir(args.repo, args.bin)
    for tool in ("mkfs.ardaku", "ardaku", "fsck.zest", "dumpfs"):
        if not os.access(os.path.join(bindir, tool), os.X_OK):
            print("sweep: %s not found in %s (build the package, or give --bin DIR)" % (tool, bindir), file=sys.stderr)
            return 2
    tools = Tools(bindir, args.timeout)
    out_dir = os.path.abspath(args.out or os.path.join(tempfile.gettempdir(), "ardaku-sweep"))
    os.makedirs(out_dir, exist_ok=True)
    kinds = KINDS if args.kind == "all" else (args.kind,)
    if args.replay and args.kind == "all":
        print("sweep: --replay needs --kind ardaku|zest|cas", file=sys.stderr)
        return 2
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    started = time.time()
    refs = build_references(tools, kinds, os.path.join(out_dir, "ref"))
    log("sweep: binaries %s; reference volumes in %s (%.1fs)" % (bindir, os.path.join(out_dir, "ref"),
                                                                   time.time() - started))
    for kind in kinds:
        ref = refs[kind]
        log("  %s: %s, %d bytes, sha256 %s..., %d files; regions: %s" % (
            kind, os.path.basename(ref.path), ref.size, ref.sha256[:16], len(ref.names()),
            ", ".join("%s %d" % (r.name, r.size) for r in ref.regions)))
    if args.list_regions:
        for kind in kinds:
            for r in refs[kind].regions:
                print("%s\t%s\t%d\t%s" % (kind, r.name, r.size,
                                          " ".join("0x%x-0x%x" % (s, e - 1) for s, e in r.ranges[:20])))
        return 0
    if args.emit_plan:
        emit_plan(args, refs, kinds)
        log("sweep: plan of %s flips in %s" % (args.planned, args.emit_plan))
        return 0
    scratch = tempfile.mkdtemp(prefix="ardaku-sweep-scratch-")
    try:
        if args.replay:
            ref = refs[args.kind]
            text_offset, text_value = args.replay.split(":")
            offset, value = int(text_offset, 0), int(text_value, 0)
            print("replay: %s byte 0x%x (%s): 0x%02x -> 0x%02x" % (args.kind, offset, ref.region_of(offset),
                                                                   ref.byte_at(offset), value))
            record = run_trial(tools, ref, offset, value, scratch, keepdir=os.path.join(out_dir, "kept"), verbose=True)
            record.pop("fsck_output", None)
            print(json.dumps(record, indent=2))
            kept = os.path.join(out_dir, "replay-%s-0x%x-%02x-%s" % (args.kind, offset, value, os.path.basename(ref.path)))
            ref.copy_to(kept)
            with open(kept, "r+b") as f:
                f.seek(offset)
                f.write(bytes([value]))
            print("flipped image: %s" % kept)
            return 1 if record["class"] in ("silent", "crash") else 0

        jobs = []
        for kind in kinds:
            ref = refs[kind]
            for offset, mode, region in plan_flips(ref, args.seed, args.sample, args.limit, args.region):
                original = ref.byte_at(offset)
                jobs.append((kind, offset, mode, region, original, flip_value(args.seed, kind, offset, original, mode)))
        log("sweep: %d flips, %d at a time, seed %d" % (len(jobs), args.jobs, args.seed))
        results = []
        lock = threading.Lock()
        keepdir = os.path.join(out_dir, "kept") if args.keep else None

        def one(job):
            kind, offset, mode, region, original, value = job
            record = run_trial(tools, refs[kind], offset, value, scratch, keepdir=keepdir)
            record.update({"kind": kind, "region": region, "offset": offset, "offset_hex": "0x%x" % offset,
                           "mode": mode, "original": original, "value": value,
                           "replay": "tools/sweep/sweep.py --kind %s --replay 0x%x:0x%02x" % (kind, offset, value)})
            with lock:
                results.append(record)
                done = len(results)
                if record["class"] in ("silent", "crash"):
                    log("  %s %s 0x%x %s->0x%02x: %s %s exits %s" % (
                        record["class"].upper(), kind, offset, region, value,
                        ", ".join(a["file"] + " " + a["status"] for a in record["affected"] if a["file"] in record["silent_files"])[:200],
                        "; ".join(record["crash"]), record["exits"]))
                if done % 50 == 0:
                    log("  %d/%d flips (%.0fs)" % (done, len(jobs), time.time() - started))
            return record

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(one, jobs))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    results.sort(key=lambda r: (KINDS.index(r["kind"]), r["offset"], r["mode"]))
    table, order = summarize(results, refs)
    text = format_table(table, order)
    silent = sum(r["class"] == "silent" for r in results)
    crashes = sum(r["class"] == "crash" for r in results)
    header = "ardaku byte-flip sweep: %d flips, seed %d, sample %s, binaries %s, %.0fs\n" % (
        len(results), args.seed, args.sample if args.sample is not None else "all", bindir, time.time() - started)
    with open(os.path.join(out_dir, "summary.txt"), "w") as f:
        f.write(header + text + "\n")
    document = {
        "schema": "ardaku-sweep/1", "seed": args.seed, "sample": args.sample, "limit": args.limit, "binaries": bindir,
        "references": {k: {"file": refs[k].path, "bytes": refs[k].size, "sha256": refs[k].sha256,
                            "regions": [{"name": r.name, "bytes": r.size, "ranges": r.ranges} for r in refs[k].regions]}
                       for k in kinds},
        "summary": [dict(kind=k, region=g, **table[(k, g)]) for k, g in order],
        "flips": [r for r in results if r["class"] != "harmless"],
    }
    with open(os.path.join(out_dir, "flips.json"), "w") as f:
        json.dump(document, f, indent=1)
    print(header + text)
    print("silent: %d, crashes: %d; every non-harmless flip is in %s" % (silent, crashes, os.path.join(out_dir, "flips.json")))
    return 1 if silent or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
