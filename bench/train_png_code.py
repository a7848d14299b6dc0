#!/usr/bin/env python3
"""Trains the Huffman code that evsynth's PNG encoder (src/charts/deflate.rs) writes with.

The encoder writes one deflate block with a code fixed in advance: every byte of the filtered
rows is a literal, except runs of zeros, which are matches at distance 1. This script reads
PNGs that evsynth wrote, inflates their rows, cuts them into the encoder's symbols (as
`ZlibRows::write` does) and builds their Huffman code: code lengths of at most 15 bits
(deflate's limit; where a plain Huffman code is longer, the weights are flattened until it
fits) for all 286 literal/length symbols, so that any byte can be written. The training PNGs
come in groups (one per argument: a directory or a glob of PNGs); each group weighs the same,
so many synthetic charts do not outvote a few real ones.

    python3 bench/generate.py batch 1000 50 /tmp/evsynth-bench/batch
    evsynth --studies /tmp/evsynth-bench/batch report --out /tmp/evsynth-bench/batch-out
    python3 bench/train_png_code.py 'reports/*/charts/*.png' 'docs/examples/*/charts/*.png' \
        '/tmp/evsynth-bench/batch-out/topic-000[0-4]/charts/*.png'

(the groups the shipped code was trained on) prints the `CODE_LENGTHS` table to paste into
src/charts/deflate.rs, and the size each group's PNG data takes with the current code and the
new one. Run on PNGs written with the shipped code, it prints that code again. Standard
library only.
"""

import glob
import heapq
import re
import struct
import sys
import zlib
from collections import Counter
from pathlib import Path

LENGTH_BASES = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
                99, 115, 131, 163, 195, 227, 258]
LENGTH_EXTRA_BITS = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5,
                     5, 5, 5, 0]
SYMBOLS = 286
END_OF_BLOCK = 256
LONGEST_MATCH_SYMBOL = 285
MAX_LENGTH = 15


def length_index(length):
    index = 0
    while index + 1 < len(LENGTH_BASES) and LENGTH_BASES[index + 1] <= length:
        index += 1
    return index


def current_lengths():
    """The code lengths src/charts/deflate.rs writes with now."""
    source = (Path(__file__).resolve().parent.parent / "src/charts/deflate.rs").read_text()
    table = re.search(r"CODE_LENGTHS: \[u8; 286\] = \[(.*?)\];", source, re.S).group(1)
    return [int(x) for x in table.replace("\n", " ").split(",") if x.strip()]


def png_rows(path):
    """The filtered rows (filter byte first) of an 8-bit RGB PNG."""
    data = Path(path).read_bytes()
    at, idat, width, height = 8, b"", 0, 0
    while at < len(data):
        (size,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + size]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        at += 12 + size
    raw = zlib.decompress(idat)
    row = width * 3 + 1
    return [raw[y * row:(y + 1) * row] for y in range(height)]


def run_as_literals(rest, lengths):
    """Whether `rest` zeros after a run's first are cheaper as literal zeros than as a match
    (as `ZlibRows::write_run` decides): a match needs at least 3."""
    if rest < 3:
        return True
    index = length_index(rest)
    match_bits = lengths[257 + index] + LENGTH_EXTRA_BITS[index] + 1
    return rest * lengths[0] <= match_bits


def count_run(run, counts, lengths):
    """The symbols of a run of zeros: a literal zero, then matches at distance 1."""
    counts[0] += 1
    rest = run - 1
    extra = 0
    while rest >= 258:
        counts[LONGEST_MATCH_SYMBOL] += 1
        extra += 1
        rest -= 258
    if rest and not run_as_literals(rest, lengths):
        index = length_index(rest)
        counts[257 + index] += 1
        extra += LENGTH_EXTRA_BITS[index] + 1
    else:
        counts[0] += rest
    return extra


def count_symbols(rows, lengths):
    """Symbol counts and extra bits of one PNG's rows, written as the encoder writes them: a
    row that repeats the one above is its filter byte and zeros; any other row is its filter
    byte, then its bytes, zeros counted in runs. (The encoder counts zeros 8 bytes at a time and
    writes a row's last `len % 8` bytes as literals; the difference here is a few symbols.)"""
    counts, extra = Counter(), 0
    for row in rows:
        counts[row[0]] += 1
        body = row[1:]
        at = 0
        for zeros in re.finditer(rb"\x00+", body):
            start, end = zeros.span()
            counts.update(body[at:start])
            extra += count_run(end - start, counts, lengths)
            at = end
        counts.update(body[at:])
    counts[END_OF_BLOCK] += 1
    return counts, extra


def huffman_lengths(weights, limit):
    """Huffman code lengths for `weights` (all positive), at most `limit` bits: the weights are
    flattened (halved towards 1) until the code fits."""
    scale = 1.0
    while True:
        heap = [(max(1.0, w / scale), i, [i]) for i, w in enumerate(weights)]
        heapq.heapify(heap)
        depth = [0] * len(weights)
        order = len(weights)
        while len(heap) > 1:
            a, b = heapq.heappop(heap), heapq.heappop(heap)
            for symbol in a[2] + b[2]:
                depth[symbol] += 1
            heapq.heappush(heap, (a[0] + b[0], order, a[2] + b[2]))
            order += 1
        if max(depth) <= limit:
            return depth
        scale *= 2


def bits(counts, extra, lengths):
    return sum(counts[s] * lengths[s] for s in counts) + extra


def main(groups):
    old = current_lengths()
    images = []
    for group in groups:
        paths = sorted(glob.glob(f"{group}/*.png") if Path(group).is_dir() else glob.glob(group))
        if not paths:
            sys.exit(f"no PNG in {group}")
        images.append([png_rows(p) for p in paths])
    lengths = old
    # The run encoding depends on the code and the code on the runs: two rounds settle it.
    for _ in range(2):
        weights = [0.0] * SYMBOLS
        for group in images:
            total = Counter()
            for rows in group:
                total.update(count_symbols(rows, lengths)[0])
            size = sum(total.values())
            for symbol in range(SYMBOLS):
                # Every symbol keeps a code (any byte can occur), weighted as a rare one.
                weights[symbol] += (total[symbol] + 1) / size / len(images)
        scale = 1e9
        lengths = huffman_lengths([w * scale for w in weights], MAX_LENGTH)
        # Symbol 0 must have the shortest code (all zero bits), which the encoder relies on.
        assert lengths[0] == min(lengths), lengths[0]
    for group, rows_of_group in zip(groups, images):
        before = after = 0
        for rows in rows_of_group:
            counts, extra = count_symbols(rows, old)
            before += bits(counts, extra, old)
            counts, extra = count_symbols(rows, lengths)
            after += bits(counts, extra, lengths)
        print(f"# {group}: {len(rows_of_group)} PNGs, data {before // 8:,} -> {after // 8:,} "
              f"bytes ({100 * (after - before) / before:+.1f}%)")
    print(f"const CODE_LENGTHS: [u8; {SYMBOLS}] = [")
    for start in range(0, SYMBOLS, 29):
        print("    " + ", ".join(str(x) for x in lengths[start:start + 29]) + ",")
    print("];")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
