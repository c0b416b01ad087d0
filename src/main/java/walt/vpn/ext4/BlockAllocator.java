package walt.vpn.ext4;

import java.io.IOException;
import walt.vpn.tree.InvalidDataException;

/**
 * Hands out blocks strictly in ascending order, stepping over each group's superblock and
 * descriptor backups: every block below the cursor is in use, so writes are sequential and
 * the bitmaps follow from the cursor alone.
 */
final class BlockAllocator {

    private final Geometry geo;
    private long next;

    BlockAllocator(Geometry geo) {
        this.geo = geo;
        this.next = 0;
        skipBackups();
    }

    /** The next free block; the caller may take a run from it with {@link #runAvailable()}. */
    long next() {
        return next;
    }

    /** How many blocks can be taken contiguously from {@link #next()} (before a backup or the end). */
    long runAvailable() {
        int g = (int) (next / Geometry.BLOCKS_PER_GROUP);
        long limit = g + 1 < geo.groups ? geo.groupStart(g + 1) : geo.blocks;
        return limit - next;
    }

    /** Blocks start to start + count - 1. */
    record Run(long start, long count) {
    }

    /** Takes up to {@code max} contiguous blocks, at least one. */
    Run allocateUpTo(long max) throws IOException {
        long run = Math.min(max, runAvailable());
        if (run <= 0) {
            throw new InvalidDataException("the tree does not fit: the filesystem has " + geo.blocks + " blocks of 4 KiB");
        }
        return new Run(allocate(run), run);
    }

    long allocate() throws IOException {
        return allocate(1);
    }

    /** Takes {@code count} contiguous blocks (count must not exceed {@link #runAvailable()}). */
    long allocate(long count) throws IOException {
        if (next + count > geo.blocks) {
            throw new InvalidDataException("the tree does not fit: the filesystem has " + geo.blocks + " blocks of 4 KiB");
        }
        if (count > runAvailable()) {
            throw new IllegalStateException("run crosses a group boundary");
        }
        long start = next;
        next += count;
        skipBackups();
        return start;
    }

    private void skipBackups() {
        while (next < geo.blocks && next % Geometry.BLOCKS_PER_GROUP == 0) {
            int g = (int) (next / Geometry.BLOCKS_PER_GROUP);
            long b = geo.backupBlocks(g);
            if (b == 0) {
                return;
            }
            next += b;
        }
    }

    /** Whether block {@code b} is in use once allocation is over. */
    boolean inUse(long b) {
        if (b < next) {
            return true;
        }
        int g = (int) (b / Geometry.BLOCKS_PER_GROUP);
        return b - geo.groupStart(g) < geo.backupBlocks(g);
    }

    long used() {
        long n = next;
        for (int g = (int) (next / Geometry.BLOCKS_PER_GROUP) + 1; g < geo.groups; g++) {
            n += geo.backupBlocks(g);
        }
        int g = (int) (next / Geometry.BLOCKS_PER_GROUP);
        if (g < geo.groups && next - geo.groupStart(g) < geo.backupBlocks(g)) {
            n += geo.backupBlocks(g) - (next - geo.groupStart(g));
        }
        return n;
    }
}
