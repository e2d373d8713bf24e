"""Why a fresh process's first int8 product is slower than its second: page tables or threads?

Writes a 3,000,000 x 300 int8 ``.npy`` (900 MB, random codes) outside the repository, reads it
once, then in fresh processes times SimSIMD's product of one query with every row twice, mapped as
vecq maps its codes (``np.load(mmap_mode="r")`` advised MADV_HUGEPAGE), with MAP_POPULATE, or
advised MADV_POPULATE_READ, with one and two threads. Prints one line a run (not part of CI).

    python benchmarks/bench_int8_first_product.py [--path ~/.cache/vecq-bench/codes.npy] [--runs 4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROWS, DIMS = 3_000_000, 300

PROBE = r"""
import mmap, os, sys, time
import numpy as np, simsimd
path, how, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
if how == "vecq":
    codes = np.load(path, mmap_mode="r")
    codes._mmap.madvise(mmap.MADV_HUGEPAGE)
else:
    fd = os.open(path, os.O_RDONLY)
    flags = mmap.MAP_SHARED | (mmap.MAP_POPULATE if how == "populate" else 0)
    mm = mmap.mmap(fd, os.fstat(fd).st_size, flags=flags, prot=mmap.PROT_READ)
    mm.madvise(mmap.MADV_HUGEPAGE)
    if how == "populate-read":
        mm.madvise(22)  # MADV_POPULATE_READ (Linux 5.14)
    codes = np.frombuffer(mm, dtype=np.int8, offset=128).reshape(-1, 300)
t1 = time.perf_counter()
q = np.ones((1, codes.shape[1]), dtype=np.int8)
simsimd.cdist(q, codes, metric="dot", threads=threads)
t2 = time.perf_counter()
simsimd.cdist(q, codes, metric="dot", threads=threads)
t3 = time.perf_counter()
smaps = open("/proc/self/smaps").read().splitlines()
pmd = max(int(line.split()[1]) for line in smaps if line.startswith("FilePmdMapped:"))
print(f"{how:13s} threads {threads}: map {1e3*(t1-t0):5.1f} ms, first product {1e3*(t2-t1):5.1f} ms, "
      f"second {1e3*(t3-t2):5.1f} ms; {pmd >> 10} MB mapped as 2 MiB pages")
"""


def write_codes(path: Path) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    codes = np.lib.format.open_memmap(path, mode="w+", dtype=np.int8, shape=(ROWS, DIMS))
    for start in range(0, ROWS, 500_000):
        codes[start : start + 500_000] = rng.integers(-127, 128, size=(500_000, DIMS), dtype=np.int8)
    codes.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", type=Path, default=Path("~/.cache/vecq-bench/codes.npy").expanduser())
    ap.add_argument("--runs", type=int, default=4)
    args = ap.parse_args()
    if not args.path.exists():
        write_codes(args.path)
    args.path.read_bytes()  # in the page cache, as a warm query finds it
    for _ in range(args.runs):
        for how in ("vecq", "populate", "populate-read"):
            for threads in (1, 2):
                subprocess.run([sys.executable, "-c", PROBE, str(args.path), how, str(threads)], check=True)


if __name__ == "__main__":
    main()
