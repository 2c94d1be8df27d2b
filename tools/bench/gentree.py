#!/usr/bin/env python3
"""Deterministic test tree for the Ardaku benchmarks (tools/bench/run).

The tree stands in for "a directory of ordinary files": many small text-like files (source,
logs, notes, configuration) spread over about 200 directories, plus a few large files that
mix compressible text with incompressible (already-compressed-looking) blocks.

Full scale (the default) produces, from seed 20260101:
  small/dNNN/...   20,000 files of 100 B to 8 KiB in 200 directories (about 83 MB)
  large/blobNN.bin 20 files of exactly 8 MiB (about 168 MB): 64 KiB blocks, some text,
                   some pseudo-random bytes, some structured records
Every byte comes from one seeded PRNG (Python's Mersenne Twister via random.Random), so the
same seed, scale and script version give byte-identical trees on any machine; the manifest's
`tree_digest` (SHA-256 over sorted names, sizes and contents) proves it.

Second version: `--mutate PCT --from DIR1 DIR2` copies DIR1 to DIR2 and edits PCT percent of
its files (chosen by the seed): a small file gets a line rewritten and a few lines inserted
or appended; a large file gets a 4 KiB region overwritten and 100 bytes inserted in the
middle (which shifts the rest, as real edits do, so fixed-size chunking loses and
content-defined chunking keeps its chunks).

The manifest (JSON) goes to stdout and, with --manifest FILE, to that file. It is never
written inside the tree, so it does not disturb measurements.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import string
import sys

VERSION = 1                 # bump when output bytes change for the same arguments
DEFAULT_SEED = 20260101
SMALL_FILES = 20_000
SMALL_DIRS = 200
SMALL_MIN, SMALL_MAX = 100, 8192
LARGE_FILES = 20
LARGE_SIZE = 8 * 1024 * 1024
LARGE_BLOCK = 64 * 1024

# ---------------------------------------------------------------------------------------
# Text model. A vocabulary of pseudo-words built from syllables, drawn with Zipf-like
# weights; each file also favours its own "topic" words, so files differ from one another
# while sharing the language. Sentences, log lines, key=value lines and tables give the
# numbers and punctuation real files have. The mix was tuned so that gzip ratios land near
# those of the reference tree (83 MB of small files -> about 47 MB squashfs-gzip).
# ---------------------------------------------------------------------------------------
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwxz" for v in "aeiou"] + \
            ["an", "en", "in", "on", "un", "ar", "er", "or", "st", "th", "ch", "sh", "qu"]


def make_vocabulary(rng, size):
    words = set()
    out = []
    while len(out) < size:
        n = rng.choice((1, 2, 2, 2, 3, 3, 3, 4, 4, 5))
        w = "".join(rng.choice(SYLLABLES) for _ in range(n))
        if w not in words:
            words.add(w)
            out.append(w)
    return out


class TextModel:
    def __init__(self, rng):
        self.vocab = make_vocabulary(rng, 24_000)
        # Zipf-like weights, exponent below 1 so the tail stays heavy (varied text).
        self.weights = [1.0 / (i + 1) ** 0.75 for i in range(len(self.vocab))]
        self.cum = []
        acc = 0.0
        for w in self.weights:
            acc += w
            self.cum.append(acc)
        self.idents = make_vocabulary(rng, 3000)
        # Boilerplate that many files start with (licence headers, banners, column
        # headers): cheap for a compressor that sees many files in one stream, not for one
        # that compresses each file alone.
        self.headers = []
        for i in range(12):
            topic = [rng.choice(self.vocab) for _ in range(40)]
            self.headers.append(self.prose(rng, topic, rng.randint(600, 2400)))

    def words(self, rng, n, topic):
        # Mix global vocabulary with the file's topic words.
        common = rng.choices(self.vocab, cum_weights=self.cum, k=n)
        for i in range(n):
            if rng.random() < 0.25:
                common[i] = rng.choice(topic)
        return common

    def sentence(self, rng, topic):
        n = rng.randint(5, 22)
        ws = self.words(rng, n, topic)
        for i in range(1, n - 1):
            r = rng.random()
            if r < 0.06:
                ws[i] += ","
            elif r < 0.09:
                ws[i] = str(rng.randint(0, 99999))
            elif r < 0.10:
                ws[i] = "(" + ws[i] + ")"
        ws[0] = ws[0].capitalize()
        return " ".join(ws) + rng.choice(".....!?:;")

    def prose(self, rng, topic, size):
        out, total = [], 0
        while total < size:
            para = " ".join(self.sentence(rng, topic) for _ in range(rng.randint(1, 6)))
            # wrap at ~72 columns
            line, lines = [], []
            col = 0
            for w in para.split(" "):
                if col + len(w) > 72 and line:
                    lines.append(" ".join(line))
                    line, col = [], 0
                line.append(w)
                col += len(w) + 1
            if line:
                lines.append(" ".join(line))
            block = "\n".join(lines) + "\n\n"
            out.append(block)
            total += len(block)
        return "".join(out)

    def log(self, rng, topic, size):
        out, total = [], 0
        t = rng.randint(1_600_000_000, 1_800_000_000)
        levels = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")
        while total < size:
            t += rng.randint(0, 5000)
            hh, mm, ss = (t // 3600) % 24, (t // 60) % 60, t % 60
            ms = rng.randint(0, 999)
            line = "2026-%02d-%02d %02d:%02d:%02d.%03d %-5s [%s] %s id=%08x took=%dms %s\n" % (
                (t // 2_592_000) % 12 + 1, (t // 86_400) % 28 + 1, hh, mm, ss, ms,
                rng.choice(levels), rng.choice(topic),
                " ".join(self.words(rng, rng.randint(2, 9), topic)),
                rng.getrandbits(32), rng.randint(0, 4000),
                rng.choice(("", "", "ok", "retry=%d" % rng.randint(1, 9),
                            "path=/%s/%s" % (rng.choice(topic), rng.choice(self.idents)))))
            out.append(line)
            total += len(line)
        return "".join(out)

    def config(self, rng, topic, size):
        out, total = [], 0
        while total < size:
            if rng.random() < 0.12:
                line = "\n[%s.%s]\n" % (rng.choice(topic), rng.choice(self.idents))
            else:
                k = "%s_%s" % (rng.choice(self.idents), rng.choice(topic))
                r = rng.random()
                if r < 0.35:
                    v = str(rng.randint(0, 1 << rng.choice((8, 16, 31))))
                elif r < 0.5:
                    v = "%.4f" % rng.uniform(-1000, 1000)
                elif r < 0.6:
                    v = rng.choice(("true", "false", "yes", "no", "none"))
                elif r < 0.7:
                    v = "%032x" % rng.getrandbits(128)
                else:
                    v = '"' + " ".join(self.words(rng, rng.randint(1, 6), topic)) + '"'
                line = "%s = %s\n" % (k, v)
            out.append(line)
            total += len(line)
        return "".join(out)

    def code(self, rng, topic, size):
        out, total = [], 0
        depth = 0
        while total < size:
            r = rng.random()
            ind = "    " * depth
            a, b = rng.choice(self.idents), rng.choice(topic)
            if r < 0.15 and depth < 4:
                line = "%sfunc %s%s(%s: Int, %s: String) -> %s {\n" % (
                    ind, a, b.capitalize(), rng.choice(self.idents), rng.choice(self.idents),
                    rng.choice(("Int", "Bool", "String", "[UInt8]", "Void")))
                depth += 1
            elif r < 0.25 and depth > 0:
                depth -= 1
                line = "    " * depth + "}\n"
            elif r < 0.4:
                line = "%s// %s\n" % (ind, " ".join(self.words(rng, rng.randint(3, 12), topic)))
            elif r < 0.6:
                line = "%slet %s = %s(%s, %d)\n" % (ind, a, b, rng.choice(self.idents),
                                                    rng.randint(0, 65535))
            elif r < 0.75:
                line = "%sif %s.%s > %d { return %s }\n" % (ind, a, b, rng.randint(0, 999),
                                                            rng.choice(self.idents))
            else:
                line = "%s%s.%s(%s)\n" % (ind, a, b, ", ".join(
                    rng.choice(self.idents) for _ in range(rng.randint(0, 4))))
            out.append(line)
            total += len(line)
        out.append("}\n" * depth)
        return "".join(out)

    def table(self, rng, topic, size):
        cols = rng.randint(3, 8)
        kinds = [rng.choice("iifws") for _ in range(cols)]
        out = [",".join(rng.choice(self.idents) for _ in range(cols)) + "\n"]
        total = len(out[0])
        while total < size:
            cells = []
            for k in kinds:
                if k == "i":
                    cells.append(str(rng.randint(0, 10 ** rng.randint(1, 7))))
                elif k == "f":
                    cells.append("%.3f" % rng.uniform(0, 10000))
                elif k == "w":
                    cells.append(rng.choice(topic))
                else:
                    cells.append(" ".join(self.words(rng, rng.randint(1, 4), topic)))
            line = ",".join(cells) + "\n"
            out.append(line)
            total += len(line)
        return "".join(out)

    def binary(self, rng, topic, size):
        # Already-compressed content (images, archives): a short header, then noise.
        return "\x89BIN\r\n\x1a\n", rng.randbytes(max(0, size - 8))

    KINDS = (("txt", "prose", 40), ("log", "log", 20), ("conf", "config", 12),
             ("swift", "code", 18), ("csv", "table", 10), ("bin", "binary", 17))
    TEXT_KINDS = KINDS[:5]

    def document(self, rng, size, text_only=False):
        kinds = self.TEXT_KINDS if text_only else self.KINDS
        topic = [rng.choice(self.vocab) for _ in range(rng.randint(20, 120))]
        ext, kind, _ = rng.choices(kinds, weights=[k[2] for k in kinds])[0]
        out = getattr(self, kind)(rng, topic, size)
        if not isinstance(out, tuple) and rng.random() < 0.92:
            out = rng.choice(self.headers) + out
        if isinstance(out, tuple):
            return ext, (out[0].encode("latin-1") + out[1])[:size]
        return ext, out.encode("ascii")[:size]


# ---------------------------------------------------------------------------------------

def small_size(rng):
    # 100 B .. 8 KiB, uniform: mean about 4.1 KiB, so 20,000 files are about 83 MB.
    return rng.randint(SMALL_MIN, SMALL_MAX)


def large_content(rng, model, size):
    parts = []
    blocks = size // LARGE_BLOCK
    for _ in range(blocks):
        r = rng.random()
        if r < 0.38:
            parts.append(rng.randbytes(LARGE_BLOCK))            # compressed/encrypted data
        elif r < 0.80:
            parts.append(model.document(rng, LARGE_BLOCK, text_only=True)[1].ljust(LARGE_BLOCK, b"\n"))
        else:
            # binary records: little-endian counters, small ints, a few random bytes
            recs = bytearray()
            base = rng.getrandbits(32)
            while len(recs) < LARGE_BLOCK:
                base = (base + rng.randint(1, 300)) & 0xFFFFFFFF
                recs += base.to_bytes(4, "little")
                recs += rng.randint(0, 255).to_bytes(2, "little")
                recs += b"\0\0"
                recs += rng.randbytes(4) if rng.random() < 0.5 else b"\0\0\0\0"
                recs += rng.randint(0, 15).to_bytes(4, "little")
            parts.append(bytes(recs[:LARGE_BLOCK]))
    return b"".join(parts)


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)


def generate(out, seed, scale, small_only):
    rng = random.Random(seed)
    model = TextModel(rng)
    n_small = max(1, round(SMALL_FILES * scale))
    n_dirs = max(1, min(SMALL_DIRS, round(SMALL_DIRS * scale)))
    n_large = 0 if small_only else max(1, round(LARGE_FILES * scale))
    os.makedirs(out, exist_ok=False)
    # Directory tree: 200 directories, a few nested one level, names from the vocabulary.
    dirs = []
    for d in range(n_dirs):
        name = "d%03d-%s" % (d, model.idents[d % len(model.idents)])
        if d >= 10 and rng.random() < 0.3:
            parent = dirs[rng.randrange(0, min(len(dirs), 10))]
            name = parent + "/" + name
        dirs.append(name)
    for d in dirs:
        os.makedirs(os.path.join(out, "small", d))
    for i in range(n_small):
        d = dirs[rng.randrange(n_dirs)] if i >= n_dirs else dirs[i]
        size = small_size(rng)
        ext, data = model.document(rng, size)
        name = "%s-%05d.%s" % (rng.choice(model.idents), i, ext)
        write_file(os.path.join(out, "small", d, name), data)
    if n_large:
        os.makedirs(os.path.join(out, "large"))
        for i in range(n_large):
            write_file(os.path.join(out, "large", "blob%02d.bin" % i),
                       large_content(rng, model, LARGE_SIZE))


def mutate(src, out, pct, seed):
    """Copy src to out, then edit pct percent of its files (at least one)."""
    shutil.copytree(src, out, symlinks=True)
    files = sorted(list_files(out))
    rng = random.Random(seed * 7919 + int(pct * 1000))
    model = TextModel(random.Random(seed))
    n = max(1, round(len(files) * pct / 100.0))
    chosen = rng.sample(files, n)
    changed_bytes = 0
    for rel in sorted(chosen):
        p = os.path.join(out, rel)
        with open(p, "rb") as f:
            data = f.read()
        if len(data) > 1024 * 1024:
            off = rng.randrange(0, len(data) - 8192)
            patch = rng.randbytes(4096)
            data = data[:off] + patch + data[off + 4096:]
            mid = len(data) // 2
            data = data[:mid] + rng.randbytes(100) + data[mid:]
            changed_bytes += 4196
        else:
            lines = data.split(b"\n")
            topic = [rng.choice(model.vocab) for _ in range(30)]
            edits = rng.randint(1, 3)
            for _ in range(edits):
                new = model.sentence(rng, topic).encode("ascii")
                at = rng.randrange(0, len(lines) + 1)
                if rng.random() < 0.5 and at < len(lines):
                    lines[at] = new          # rewrite a line
                else:
                    lines.insert(at, new)    # insert a line
                changed_bytes += len(new) + 1
            data = b"\n".join(lines)
        write_file(p, data)
    return sorted(chosen), changed_bytes


def list_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            yield os.path.relpath(os.path.join(dirpath, fn), root)


def manifest(root):
    h = hashlib.sha256()
    stats = {"small": [0, 0], "large": [0, 0], "other": [0, 0]}
    dirs = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirs += len(dirnames)
    for rel in sorted(list_files(root)):
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        h.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0")
        h.update(hashlib.sha256(data).digest())
        top = rel.split(os.sep, 1)[0]
        s = stats[top if top in stats else "other"]
        s[0] += 1
        s[1] += len(data)
    return {
        "generator_version": VERSION,
        "directories": dirs,
        "small_files": stats["small"][0], "small_bytes": stats["small"][1],
        "large_files": stats["large"][0], "large_bytes": stats["large"][1],
        "files": stats["small"][0] + stats["large"][0] + stats["other"][0],
        "bytes": stats["small"][1] + stats["large"][1] + stats["other"][1],
        "tree_digest": h.hexdigest(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", help="directory to create (must not exist)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of the file counts (0.02 for a quick smoke tree)")
    ap.add_argument("--small-only", action="store_true", help="omit the large files")
    ap.add_argument("--mutate", type=float, metavar="PCT",
                    help="with --from: copy that tree and change PCT%% of its files")
    ap.add_argument("--from", dest="src", metavar="DIR", help="first version, for --mutate")
    ap.add_argument("--manifest", metavar="FILE", help="also write the manifest JSON here")
    a = ap.parse_args()
    if os.path.exists(a.outdir):
        ap.error("%s exists; remove it first" % a.outdir)
    if a.mutate is not None:
        if not a.src:
            ap.error("--mutate needs --from DIR")
        chosen, changed = mutate(a.src, a.outdir, a.mutate, a.seed)
        m = manifest(a.outdir)
        m.update({"mutated_from": os.path.abspath(a.src), "mutate_pct": a.mutate,
                  "changed_files": len(chosen), "changed_bytes_approx": changed,
                  "changed_large_files": sum(1 for c in chosen if c.startswith("large"))})
    else:
        generate(a.outdir, a.seed, a.scale, a.small_only)
        m = manifest(a.outdir)
    m.update({"seed": a.seed, "scale": a.scale, "small_only": a.small_only})
    text = json.dumps(m, indent=2, sort_keys=True)
    print(text)
    if a.manifest:
        with open(a.manifest, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
