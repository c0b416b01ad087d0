package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.InvalidDataException;

/**
 * Turns an inode's i_block into the runs of blocks holding its data: an extent tree (any
 * depth) or an ext2/ext3 block map (direct, indirect, double and triple indirect). Every
 * block number is checked against the filesystem, and the number of tree nodes visited is
 * bounded, so a corrupt or looping tree ends in an error rather than a hang.
 */
final class BlockMapper {

    /** Logical block numbers in an extent are 32 bits. */
    static final long EXTENT_LOGICAL_BLOCKS = 1L << 32;
    /** i_block of a block-mapped inode: 12 direct pointers, then single, double, triple indirect. */
    private static final int DIRECT_BLOCKS = 12;
    private static final int BLOCK_POINTER = 4;

    private final Storage fs;
    private final int blockSize;
    private final long blocksCount;
    /** The filesystem's checksum seed, or null without metadata_csum: extent blocks are then not checked. */
    private final Integer csumSeed;

    BlockMapper(Storage fs, int blockSize, long blocksCount, Integer csumSeed) {
        this.fs = fs;
        this.blockSize = blockSize;
        this.blocksCount = blocksCount;
        this.csumSeed = csumSeed;
    }

    /** The runs of inode {@code ino}. */
    List<BlockRun> map(Inode inode, long ino) throws IOException {
        long fileBlocks = (inode.size() + blockSize - 1) / blockSize;
        List<BlockRun> runs = new ArrayList<>();
        if (inode.hasFlag(Inode.FLAG_EXTENTS)) {
            ByteBuffer root = ByteBuffer.wrap(inode.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
            int[] budget = {(int) Math.min(1_000_000, blocksCount)};
            Integer seed = csumSeed == null ? null : Inode.inodeSeed(csumSeed, ino, inode.generation());
            walkExtents(root, Inode.I_BLOCK_SIZE, -1, 0, EXTENT_LOGICAL_BLOCKS, runs, budget, fileBlocks, seed);
        } else {
            walkBlockMap(inode.iBlock(), fileBlocks, runs);
        }
        return runs;
    }

    /**
     * The largest size the inode's block mapping can address (the limits e2fsck checks i_size
     * against): 2^32 blocks for an extent tree, the four levels of a block map otherwise.
     */
    static long maxSize(Inode inode, int blockSize) {
        if (inode.hasFlag(Inode.FLAG_EXTENTS)) {
            return EXTENT_LOGICAL_BLOCKS * blockSize - 1;
        }
        long p = blockSize / BLOCK_POINTER;
        return (DIRECT_BLOCKS + p + p * p + p * p * p) * blockSize;
    }

    /**
     * One node and its subtree; every entry must lie in the logical blocks [lo, hi) its parent
     * gave it, in ascending order without overlap, as the kernel checks before it uses a node.
     */
    private void walkExtents(ByteBuffer node, int nodeBytes, int parentDepth, long lo, long hi, List<BlockRun> runs,
                             int[] budget, long fileBlocks, Integer inodeSeed) throws IOException {
        ExtentHeader h = ExtentHeader.decode(node, 0, nodeBytes);
        if (parentDepth >= 0 && h.depth() != parentDepth - 1) {
            throw new InvalidDataException("extent tree depth inconsistent (loop or corruption)");
        }
        if (h.depth() > 0 && h.entries() == 0) {
            throw new InvalidDataException("extent index node with no entries");
        }
        long next = lo;
        for (int i = 0; i < h.entries(); i++) {
            int off = ExtentHeader.SIZE + i * Extent.SIZE;
            if (h.depth() == 0) {
                Extent e = Extent.decode(node, off);
                if (e.length() == 0 || e.logicalBlock() < next || e.logicalBlock() + e.length() > hi) {
                    throw new InvalidDataException("extent tree inconsistent: extent of " + e.length() + " blocks at logical block "
                            + e.logicalBlock() + " outside [" + next + ", " + hi + ")");
                }
                next = e.logicalBlock() + e.length();
                checkRange(e.physicalBlock(), e.length());
                // Blocks past the file size can exist (preallocation); they are never read.
                if (e.logicalBlock() < fileBlocks) {
                    runs.add(new BlockRun(e.logicalBlock(), Math.min(e.length(), fileBlocks - e.logicalBlock()), e.physicalBlock(), e.unwritten()));
                }
            } else {
                ExtentIndex idx = ExtentIndex.decode(node, off);
                long childHi = i + 1 < h.entries() ? ExtentIndex.decode(node, off + ExtentIndex.SIZE).logicalBlock() : hi;
                if (idx.logicalBlock() < next || childHi <= idx.logicalBlock() || childHi > hi) {
                    throw new InvalidDataException("extent tree inconsistent: index for logical block " + idx.logicalBlock()
                            + " outside [" + next + ", " + hi + ")");
                }
                next = childHi;
                checkRange(idx.childBlock(), 1);
                if (--budget[0] < 0) {
                    throw new InvalidDataException("extent tree too large (loop or corruption)");
                }
                ByteBuffer child = readBlock(idx.childBlock());
                if (inodeSeed != null && !ExtentHeader.checksumMatches(child, inodeSeed)) {
                    throw new InvalidDataException("extent block " + idx.childBlock() + ": checksum mismatch");
                }
                walkExtents(child, blockSize, h.depth(), idx.logicalBlock(), childHi, runs, budget, fileBlocks, inodeSeed);
            }
        }
    }

    private void walkBlockMap(byte[] iBlock, long fileBlocks, List<BlockRun> runs) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(iBlock).order(ByteOrder.LITTLE_ENDIAN);
        long perBlock = blockSize / BLOCK_POINTER;
        long logical = 0;
        for (int i = 0; i < DIRECT_BLOCKS && logical < fileBlocks; i++, logical++) {
            add(runs, logical, b.getInt(i * BLOCK_POINTER) & 0xFFFFFFFFL);
        }
        long span = perBlock;
        for (int level = 1; level <= 3 && logical < fileBlocks; level++) {
            long ptr = b.getInt((DIRECT_BLOCKS - 1 + level) * BLOCK_POINTER) & 0xFFFFFFFFL;
            if (ptr != 0) {
                indirect(ptr, level, logical, fileBlocks, runs);
            }
            logical += span;
            span *= perBlock;
        }
    }

    private void indirect(long block, int level, long firstLogical, long fileBlocks, List<BlockRun> runs) throws IOException {
        checkRange(block, 1);
        ByteBuffer b = readBlock(block);
        long perBlock = blockSize / BLOCK_POINTER;
        long span = 1;
        for (int i = 1; i < level; i++) {
            span *= perBlock;
        }
        for (int i = 0; i < perBlock; i++) {
            long logical = firstLogical + i * span;
            if (logical >= fileBlocks) {
                return;
            }
            long ptr = b.getInt(i * BLOCK_POINTER) & 0xFFFFFFFFL;
            if (ptr == 0) {
                continue;
            }
            if (level == 1) {
                add(runs, logical, ptr);
            } else {
                indirect(ptr, level - 1, logical, fileBlocks, runs);
            }
        }
    }

    private void add(List<BlockRun> runs, long logical, long physical) throws InvalidDataException {
        if (physical == 0) {
            return;
        }
        checkRange(physical, 1);
        if (!runs.isEmpty()) {
            BlockRun last = runs.get(runs.size() - 1);
            if (last.logical() + last.length() == logical && last.physical() + last.length() == physical) {
                runs.set(runs.size() - 1, new BlockRun(last.logical(), last.length() + 1, last.physical(), false));
                return;
            }
        }
        runs.add(new BlockRun(logical, 1, physical, false));
    }

    private void checkRange(long block, long count) throws InvalidDataException {
        if (block <= 0 || block + count > blocksCount) {
            throw new InvalidDataException("block " + block + (count > 1 ? "+" + count : "") + " outside the filesystem");
        }
    }

    ByteBuffer readBlock(long block) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
        fs.read(block * blockSize, b);
        b.clear();
        return b;
    }
}
