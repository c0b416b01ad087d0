#!/usr/bin/env python3
"""Writes a deterministic file tree shaped like a Debian root filesystem: many small files in
nested directories, about 7.6 to a directory as in Debian 12's /usr (117,692 files in 15,539
directories on the machine this was measured on), a few large files, and (unless --fat)
symlinks. Usage: make-tree.py DIR FILES BYTES [--fat]"""
import os
import random
import sys

FILES_PER_DIR = 7.6


def main():
    root, files, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fat = "--fat" in sys.argv
    rnd = random.Random(20261124)
    large = max(1, files // 500)
    small_budget = total // 3
    large_size = (total - small_budget) // large
    small_avg = max(1, small_budget // max(1, files - large))
    # Files go round-robin over 2 x 41 x leaves directories.
    leaves = max(1, round(files / (2 * 41 * FILES_PER_DIR)))
    os.makedirs(root, exist_ok=True)
    for i in range(files):
        d = os.path.join(root, "usr" if i % 3 else "lib", "d%02d" % (i % 41), "e%03d" % ((i // 41) % leaves))
        os.makedirs(d, exist_ok=True)
        size = large_size if i < large else rnd.randint(0, 2 * small_avg)
        with open(os.path.join(d, "file-%06d.dat" % i), "wb") as f:
            f.write(rnd.randbytes(size))
        if not fat and i % 50 == 0:
            os.symlink("file-%06d.dat" % i, os.path.join(d, "link-%06d" % i))


if __name__ == "__main__":
    main()
