package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import walt.vpn.disk.Storage;

/**
 * Gathers encoded inodes block by block so the inode tables get whole-block writes; inodes
 * mostly arrive in ascending order, and a block revisited is read back before it is changed.
 */
final class InodeTableWriter {

    private static final byte[] ZEROS = new byte[Geometry.BLOCK];

    private final Storage out;
    private final Geometry geo;
    private long[] tables;
    private final ByteBuffer block = ByteBuffer.allocate(Geometry.BLOCK);
    private long current = -1;
    private int currentIndex;
    private boolean dirty;
    // Blocks written once already: only those are read back before a change, so inodes put
    // in ascending order (the usual case) never wait for a read.
    private final java.util.BitSet written = new java.util.BitSet();

    InodeTableWriter(Storage out, Geometry geo) {
        this.out = out;
        this.geo = geo;
    }

    void setTables(long[] inodeTableBlocks) {
        this.tables = inodeTableBlocks;
    }

    void put(long ino, byte[] encoded) throws IOException {
        long index = ino - 1;
        int group = (int) (index / geo.inodesPerGroup);
        long inGroup = index % geo.inodesPerGroup;
        long target = tables[group] + inGroup / Geometry.INODES_PER_BLOCK;
        if (target != current) {
            flush();
            block.clear();
            if (written.get((int) (index / Geometry.INODES_PER_BLOCK))) {
                out.read(target * Geometry.BLOCK, block);
            } else {
                System.arraycopy(ZEROS, 0, block.array(), 0, Geometry.BLOCK);
            }
            current = target;
            currentIndex = (int) (index / Geometry.INODES_PER_BLOCK);
        }
        block.put((int) (inGroup % Geometry.INODES_PER_BLOCK) * Geometry.INODE_SIZE, encoded);
        dirty = true;
    }

    void flush() throws IOException {
        if (dirty) {
            block.clear();
            out.write(current * Geometry.BLOCK, block);
            written.set(currentIndex);
            dirty = false;
        }
    }
}
