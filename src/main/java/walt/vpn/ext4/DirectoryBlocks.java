package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Packs a directory's entries into linear leaf blocks, each closed by the checksum tail
 * metadata_csum requires. The first block starts with "." and "..".
 */
final class DirectoryBlocks {

    private static final int USABLE = Geometry.BLOCK - DirectoryEntry.TAIL_SIZE;

    private final List<ByteBuffer> blocks = new ArrayList<>();
    private final Supplier<ByteBuffer> newBlock;
    private ByteBuffer current;
    private int lastEntry = -1;

    /** A directory's blocks, each a zeroed 4 KiB heap buffer from {@code newBlock}. */
    DirectoryBlocks(long self, long parent, Supplier<ByteBuffer> newBlock) {
        this.newBlock = newBlock;
        add(new DirectoryEntry(self, 0, ".".getBytes(), DirectoryEntry.FT_DIR));
        add(new DirectoryEntry(parent, 0, "..".getBytes(), DirectoryEntry.FT_DIR));
    }

    /** Leaf blocks of an htree directory: entries only, "." and ".." live in the index root. */
    private DirectoryBlocks(Supplier<ByteBuffer> newBlock) {
        this.newBlock = newBlock;
    }

    static DirectoryBlocks leaves(Supplier<ByteBuffer> newBlock) {
        return new DirectoryBlocks(newBlock);
    }

    /** Whether an entry with a name of {@code nameLen} bytes still fits in the current block. */
    boolean fitsInCurrent(int nameLen) {
        return current != null && current.position() + DirectoryEntry.size(nameLen) <= USABLE;
    }

    /** Closes the current block: the next entry starts a new one. */
    void newBlock() {
        closeBlock();
    }

    int blockCount() {
        return blocks.size();
    }

    /** Blocks needed for entries with these name lengths (plus "." and ".."): sizeFor's estimate is exact. */
    static long blocksFor(Iterable<Integer> nameLengths) {
        long blocks = 1;
        int used = DirectoryEntry.size(1) + DirectoryEntry.size(2);
        for (int len : nameLengths) {
            int need = DirectoryEntry.size(len);
            if (used + need > USABLE) {
                blocks++;
                used = 0;
            }
            used += need;
        }
        return blocks;
    }

    void add(DirectoryEntry e) {
        int need = DirectoryEntry.size(e.name().length);
        if (current == null || current.position() + need > USABLE) {
            closeBlock();
            current = newBlock.get().order(ByteOrder.LITTLE_ENDIAN);
            blocks.add(current);
        }
        lastEntry = current.position();
        new DirectoryEntry(e.inode(), need, e.name(), e.fileType()).encode(current, lastEntry);
        current.position(lastEntry + need);
    }

    /** Adds empty blocks so the directory has at least {@code n} (lost+found is made roomy up front). */
    void padTo(int n) {
        while (blocks.size() < n) {
            closeBlock();
            current = newBlock.get().order(ByteOrder.LITTLE_ENDIAN);
            blocks.add(current);
            lastEntry = -1;
        }
    }

    /** The finished blocks, tails checksummed with the directory inode's seed. */
    List<ByteBuffer> finish(int inodeSeed) {
        closeBlock();
        for (ByteBuffer b : blocks) {
            DirectoryTail.set(b, Geometry.BLOCK, inodeSeed);
            b.clear();
        }
        return blocks;
    }

    private void closeBlock() {
        if (current == null) {
            return;
        }
        if (lastEntry < 0) {
            // An empty block: one unused entry spans it.
            current.putInt(0, 0);
            current.putShort(4, (short) USABLE);
        } else {
            current.putShort(lastEntry + 4, (short) (USABLE - lastEntry));
        }
        lastEntry = -1;
        current = null;
    }
}
