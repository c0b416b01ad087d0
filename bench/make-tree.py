#!/usr/bin/env python3
"""Writes a deterministic file tree shaped like a Debian root filesystem: many small files in
nested directories, about 7.6 to a directory as in Debian 12's /usr (117,692 files in 15,539
directories on the machine this was measured on), a few large files, and (unless --fat)
symlinks, extended attributes (user.* on 1 file in 40; as root, a file capability on 1 in 500,
as Debian's ping and friends have) and, as root, files owned by others (1 in 7 by 1000:1000,
1 in 13 by 65534:65534), which both writers keep. Usage: make-tree.py DIR FILES BYTES [--fat]"""
import os
import random
import sys

FILES_PER_DIR = 7.6
# cap_net_raw+ep as setcap writes it (VFS_CAP_REVISION_2): the kernel checks the format.
CAPABILITY = bytes.fromhex("0100000200200000000000000000000000000000")


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
        path = os.path.join(d, "file-%06d.dat" % i)
        with open(path, "wb") as f:
            f.write(rnd.randbytes(size))
        if not fat:
            dress(path, i)
        if not fat and i % 50 == 0:
            os.symlink("file-%06d.dat" % i, os.path.join(d, "link-%06d" % i))


def dress(path, i):
    """Owners and xattrs, what a root filesystem extracted with tar -xp --xattrs has."""
    if i % 40 == 1:
        os.setxattr(path, "user.origin", b"bench-%d" % i)
    if os.geteuid() != 0:
        return
    if i % 500 == 2:
        os.setxattr(path, "security.capability", CAPABILITY)
    if i % 7 == 3:
        os.chown(path, 1000, 1000)
    elif i % 13 == 4:
        os.chown(path, 65534, 65534)


if __name__ == "__main__":
    main()
