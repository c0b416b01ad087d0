package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;

/**
 * Builds an inode's extent tree from its extents: up to four fit in i_block; more go to leaf
 * blocks (340 extents each) under index levels until the root fits in i_block again.
 */
final class ExtentTreeBuilder {

    static final int ROOT_MAX = (Inode.I_BLOCK_SIZE - ExtentHeader.SIZE) / Extent.SIZE;
    static final int NODE_MAX = (Geometry.BLOCK - ExtentHeader.SIZE - 4) / Extent.SIZE;

    /** The i_block bytes and how many tree blocks were allocated for it. */
    record Result(byte[] iBlock, long treeBlocks) {
    }

    private ExtentTreeBuilder() {
    }

    /** Tree blocks {@link #build} will need for {@code extents} extents. */
    static long treeBlocksFor(long extents) {
        long total = 0;
        long level = extents;
        while (level > ROOT_MAX) {
            level = (level + NODE_MAX - 1) / NODE_MAX;
            total += level;
        }
        return total;
    }

    static Result build(List<Extent> extents, BlockAllocator alloc, Storage out, int inodeSeed) throws IOException {
        if (extents.size() <= ROOT_MAX) {
            return new Result(root(extents.size(), 0, (b, i) -> extents.get(i).encode(b, ExtentHeader.SIZE + i * Extent.SIZE)), 0);
        }
        long blocks = 0;
        // Children of the level being built: first logical block and physical block of each node.
        List<ExtentIndex> level = new ArrayList<>();
        for (int start = 0; start < extents.size(); start += NODE_MAX) {
            List<Extent> chunk = extents.subList(start, Math.min(extents.size(), start + NODE_MAX));
            long pb = alloc.allocate();
            writeNode(out, pb, chunk.size(), 0, inodeSeed, (b, i) -> chunk.get(i).encode(b, ExtentHeader.SIZE + i * Extent.SIZE));
            level.add(new ExtentIndex(chunk.get(0).logicalBlock(), pb));
            blocks++;
        }
        int depth = 1;
        while (level.size() > ROOT_MAX) {
            List<ExtentIndex> up = new ArrayList<>();
            for (int start = 0; start < level.size(); start += NODE_MAX) {
                List<ExtentIndex> chunk = level.subList(start, Math.min(level.size(), start + NODE_MAX));
                long pb = alloc.allocate();
                writeNode(out, pb, chunk.size(), depth, inodeSeed,
                        (b, i) -> chunk.get(i).encode(b, ExtentHeader.SIZE + i * ExtentIndex.SIZE));
                up.add(new ExtentIndex(chunk.get(0).logicalBlock(), pb));
                blocks++;
            }
            level = up;
            depth++;
        }
        List<ExtentIndex> top = level;
        return new Result(root(top.size(), depth, (b, i) -> top.get(i).encode(b, ExtentHeader.SIZE + i * ExtentIndex.SIZE)), blocks);
    }

    private interface EntryWriter {
        void write(ByteBuffer b, int index);
    }

    private static byte[] root(int entries, int depth, EntryWriter w) {
        ByteBuffer b = ByteBuffer.allocate(Inode.I_BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        new ExtentHeader(entries, ROOT_MAX, depth).encode(b, 0);
        for (int i = 0; i < entries; i++) {
            w.write(b, i);
        }
        return b.array();
    }

    private static void writeNode(Storage out, long block, int entries, int depth, int inodeSeed, EntryWriter w) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Geometry.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        new ExtentHeader(entries, NODE_MAX, depth).encode(b, 0);
        for (int i = 0; i < entries; i++) {
            w.write(b, i);
        }
        ExtentHeader.setChecksum(b, inodeSeed);
        out.write(block * Geometry.BLOCK, b);
    }
}
