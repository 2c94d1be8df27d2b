#!/usr/bin/env python3
"""Generate the CAS benchmark tree: 20,000 small text-like files (100 B - 8 KiB) and
20 files of 8 MiB, about 250 MB, deterministic for a given seed.

    gen-tree.py DEST [--seed N]            the first version
    gen-tree.py DEST --mutate [--seed N]   change 1% of the files of DEST in place

Text is words drawn from a Zipf-weighted vocabulary of random pseudo-words, in lines of
8-16 words, with numbers mixed in, so that it compresses roughly like prose or logs.
The mutation rewrites a run of words in the middle of each chosen file (same length for
big files, so that only the chunks around the edit change), deterministic too.
"""
import argparse, os, random

SMALL_FILES, BIG_FILES, BIG_SIZE = 20_000, 20, 8 * 1024 * 1024
TOP_DIRS, SUB_DIRS = 10, 10            # 100 leaf directories of 200 small files each

def vocabulary(rng):
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < 20_000:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(2, 11))))
    words = sorted(words)
    rng.shuffle(words)
    weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(words))]
    return words, weights

def text(rng, words, weights, size):
    out, total = [], 0
    while total < size:
        n = rng.randint(8, 16)
        line = rng.choices(words, weights, k=n)
        if rng.random() < 0.3:
            line.insert(rng.randrange(len(line)), str(rng.randrange(1_000_000)))
        s = " ".join(line) + "\n"
        out.append(s)
        total += len(s)
    return "".join(out).encode()[:size]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dest")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--mutate", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words, weights = vocabulary(rng)
    paths = []
    for t in range(TOP_DIRS):
        for s in range(SUB_DIRS):
            for f in range(SMALL_FILES // (TOP_DIRS * SUB_DIRS)):
                paths.append((os.path.join(a.dest, f"d{t:02}", f"s{s:02}", f"f{f:03}.txt"), None))
    for b in range(BIG_FILES):
        paths.append((os.path.join(a.dest, "big", f"big{b:02}.log"), BIG_SIZE))
    if not a.mutate:
        for path, size in paths:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = text(rng, words, weights, size if size else rng.randint(100, 8192))
            with open(path, "wb") as f:
                f.write(data)
        return
    mrng = random.Random(a.seed + 1)
    chosen = mrng.sample(range(len(paths)), len(paths) // 100)
    for i in sorted(chosen):
        path, _ = paths[i]
        with open(path, "rb") as f:
            data = bytearray(f.read())
        at = mrng.randrange(len(data))
        patch = text(mrng, words, weights, min(200, len(data) - at))
        data[at:at + len(patch)] = patch
        with open(path, "wb") as f:
            f.write(data)

if __name__ == "__main__":
    main()
