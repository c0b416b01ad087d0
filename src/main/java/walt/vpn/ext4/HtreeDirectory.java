package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A directory too big for one block, laid out as the kernel would index it: a dx_root in block
 * 0 (holding "." and ".."), dx_node blocks when one index level is not enough, then leaf
 * blocks of entries sorted by name hash, so a lookup reads two or three blocks, not all.
 */
final class HtreeDirectory {

    private static final int ROOT_COUNT_OFFSET = DxTail.ROOT_COUNT_OFFSET;
    private static final int NODE_COUNT_OFFSET = DxTail.NODE_COUNT_OFFSET;
    private static final int TAIL = DxTail.SIZE;
    static final int ROOT_LIMIT = (Geometry.BLOCK - ROOT_COUNT_OFFSET - TAIL) / 8;
    static final int NODE_LIMIT = (Geometry.BLOCK - NODE_COUNT_OFFSET - TAIL) / 8;

    private record Named(int hash, DirectoryEntry entry) {
    }

    private HtreeDirectory() {
    }

    /** Whether {@code entries} fits in an htree of at most two index levels. */
    static boolean fits(long leaves) {
        return leaves <= (long) ROOT_LIMIT * NODE_LIMIT;
    }

    /**
     * All blocks in logical order, their checksums computed with the directory's inode seed;
     * each a zeroed 4 KiB heap buffer from {@code newBlock}.
     */
    static List<ByteBuffer> build(long self, long parent, List<DirectoryEntry> entries, DirectoryHash hasher, int inodeSeed,
                                  Supplier<ByteBuffer> newBlock) {
        List<Named> sorted = new ArrayList<>();
        for (DirectoryEntry e : entries) {
            sorted.add(new Named(hasher.hash(e.name()), e));
        }
        sorted.sort((a, b) -> a.hash != b.hash ? Integer.compareUnsigned(a.hash, b.hash) : Arrays.compare(a.entry.name(), b.entry.name()));

        DirectoryBlocks leaves = DirectoryBlocks.leaves(newBlock);
        List<Integer> leafHashes = new ArrayList<>();
        int prevHash = 0;
        for (Named n : sorted) {
            if (!leaves.fitsInCurrent(n.entry.name().length)) {
                leaves.newBlock();
                // A leaf starting inside a run of equal hashes is marked so lookups go on into it.
                leafHashes.add(leafHashes.isEmpty() ? 0 : (n.hash == prevHash ? n.hash | 1 : n.hash));
            }
            leaves.add(n.entry);
            prevHash = n.hash;
        }
        List<ByteBuffer> leafBlocks = leaves.finish(inodeSeed);
        int nLeaves = leafBlocks.size();
        List<ByteBuffer> out = new ArrayList<>();
        if (nLeaves <= ROOT_LIMIT) {
            int[] hashes = new int[nLeaves];
            int[] targets = new int[nLeaves];
            for (int i = 0; i < nLeaves; i++) {
                hashes[i] = leafHashes.get(i);
                targets[i] = 1 + i;
            }
            out.add(root(newBlock.get(), self, parent, 0, hashes, targets, inodeSeed));
        } else {
            int nNodes = (nLeaves + NODE_LIMIT - 1) / NODE_LIMIT;
            int[] rootHashes = new int[nNodes];
            int[] rootTargets = new int[nNodes];
            List<ByteBuffer> nodes = new ArrayList<>();
            for (int k = 0; k < nNodes; k++) {
                int first = k * NODE_LIMIT;
                int count = Math.min(NODE_LIMIT, nLeaves - first);
                int[] hashes = new int[count];
                int[] targets = new int[count];
                for (int i = 0; i < count; i++) {
                    hashes[i] = leafHashes.get(first + i);
                    targets[i] = 1 + nNodes + first + i;
                }
                rootHashes[k] = hashes[0];
                rootTargets[k] = 1 + k;
                nodes.add(node(newBlock.get(), hashes, targets, inodeSeed));
            }
            out.add(root(newBlock.get(), self, parent, 1, rootHashes, rootTargets, inodeSeed));
            out.addAll(nodes);
        }
        out.addAll(leafBlocks);
        return out;
    }

    private static ByteBuffer root(ByteBuffer block, long self, long parent, int levels, int[] hashes, int[] targets, int inodeSeed) {
        ByteBuffer b = block.order(ByteOrder.LITTLE_ENDIAN);
        new DirectoryEntry(self, 12, ".".getBytes(), DirectoryEntry.FT_DIR).encode(b, 0);
        new DirectoryEntry(parent, Geometry.BLOCK - 12, "..".getBytes(), DirectoryEntry.FT_DIR).encode(b, 12);
        b.putInt(24, 0);         // reserved
        b.put(28, (byte) 1);     // hash version: half_md4
        b.put(29, (byte) 8);     // info length
        b.put(30, (byte) levels);
        b.put(31, (byte) 0);
        entries(b, ROOT_COUNT_OFFSET, ROOT_LIMIT, hashes, targets, inodeSeed);
        return b;
    }

    private static ByteBuffer node(ByteBuffer block, int[] hashes, int[] targets, int inodeSeed) {
        ByteBuffer b = block.order(ByteOrder.LITTLE_ENDIAN);
        // An empty dirent spanning the block: to a linear reader, an index node is an empty leaf.
        b.putInt(0, 0);
        b.putShort(4, (short) Geometry.BLOCK);
        entries(b, NODE_COUNT_OFFSET, NODE_LIMIT, hashes, targets, inodeSeed);
        return b;
    }

    /** The count/limit header, the entries (the first one's hash slot is the header), and the dx_tail. */
    private static void entries(ByteBuffer b, int at, int limit, int[] hashes, int[] targets, int inodeSeed) {
        b.putShort(at, (short) limit);
        b.putShort(at + 2, (short) hashes.length);
        for (int i = 0; i < hashes.length; i++) {
            if (i > 0) {
                b.putInt(at + 8 * i, hashes[i]);
            }
            b.putInt(at + 8 * i + 4, targets[i]);
        }
        DxTail.set(b, at, inodeSeed);
    }
}
