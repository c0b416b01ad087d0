package walt.vpn.ext4;

import java.io.IOException;
import walt.vpn.tree.InvalidDataException;

/**
 * The block-group arithmetic of a filesystem we write: 4 KiB blocks, 32768 blocks per group,
 * sparse_super backups in groups 0, 1 and powers of 3, 5 and 7, 64-byte descriptors.
 */
final class Geometry {

    static final int BLOCK = 4096;
    static final long BLOCKS_PER_GROUP = 32768;
    static final int INODE_SIZE = 256;
    static final int DESC_SIZE = 64;
    static final int INODES_PER_BLOCK = BLOCK / INODE_SIZE;
    /** mke2fs's default of one inode per 16 KiB. */
    static final int BYTES_PER_INODE = 16384;

    final long blocks;
    final int groups;
    final long inodesPerGroup;
    final int gdtBlocks;
    final long inodeTableBlocks;

    Geometry(long requestedBlocks, long inodesNeeded) throws IOException {
        long b = requestedBlocks;
        int g = (int) ((b + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP);
        // A last group too small for its own backup superblock and descriptors is dropped, as mke2fs does.
        long lastSize = b - (g - 1) * BLOCKS_PER_GROUP;
        int gdt = (int) ((g * (long) DESC_SIZE + BLOCK - 1) / BLOCK);
        if (g > 1 && hasBackup(g - 1) && lastSize < 1 + gdt + 16) {
            g--;
            b = g * BLOCKS_PER_GROUP;
            gdt = (int) ((g * (long) DESC_SIZE + BLOCK - 1) / BLOCK);
        }
        long byRatio = Math.min(BLOCKS_PER_GROUP, b) * BLOCK / BYTES_PER_INODE;
        long byNeed = (inodesNeeded + g - 1) / g;
        long ipg = Math.max(byRatio, byNeed);
        ipg = (ipg + INODES_PER_BLOCK - 1) / INODES_PER_BLOCK * INODES_PER_BLOCK;
        ipg = Math.max(ipg, 16);
        if (ipg > 8L * BLOCK) {
            throw new InvalidDataException("too many files for the filesystem size: " + inodesNeeded + " inodes in " + g + " block groups");
        }
        this.blocks = b;
        this.groups = g;
        this.inodesPerGroup = ipg;
        this.gdtBlocks = gdt;
        this.inodeTableBlocks = ipg * INODE_SIZE / BLOCK;
    }

    long inodesCount() {
        return inodesPerGroup * groups;
    }

    long groupStart(int g) {
        return g * BLOCKS_PER_GROUP;
    }

    long blocksInGroup(int g) {
        return Math.min(BLOCKS_PER_GROUP, blocks - groupStart(g));
    }

    /** sparse_super: superblock and descriptor backups only in groups 0, 1 and powers of 3, 5, 7. */
    static boolean hasBackup(int g) {
        return g <= 1 || isPower(g, 3) || isPower(g, 5) || isPower(g, 7);
    }

    private static boolean isPower(int n, int base) {
        long p = base;
        while (p < n) {
            p *= base;
        }
        return p == n;
    }

    /** Blocks at the start of group g holding a superblock copy and the descriptors. */
    long backupBlocks(int g) {
        return hasBackup(g) ? 1 + gdtBlocks : 0;
    }

    /** Metadata blocks outside the linear allocation: bitmaps and inode tables of every group. */
    long metadataBlocks() {
        return groups * (2 + inodeTableBlocks);
    }

    long allBackupBlocks() {
        long n = 0;
        for (int g = 0; g < groups; g++) {
            n += backupBlocks(g);
        }
        return n;
    }
}
