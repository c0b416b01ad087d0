package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import walt.vpn.tree.InvalidDataException;

/** The 12-byte header of every extent tree node, in i_block or in an extent block. */
public record ExtentHeader(int entries, int max, int depth) {

    public static final int SIZE = 12;
    public static final int MAGIC = 0xF30A;
    /** ext4 never builds deeper trees; anything deeper is corruption (or a loop). */
    public static final int MAX_DEPTH = 5;
    static final int TAIL_SIZE = 4;
    private static final int OFF_MAX = 4;

    public static ExtentHeader decode(ByteBuffer b, int off, int nodeBytes) throws InvalidDataException {
        if ((b.getShort(off) & 0xFFFF) != MAGIC) {
            throw new InvalidDataException("bad extent header magic");
        }
        ExtentHeader h = new ExtentHeader(b.getShort(off + 2) & 0xFFFF, b.getShort(off + 4) & 0xFFFF, b.getShort(off + 6) & 0xFFFF);
        if (h.depth > MAX_DEPTH) {
            throw new InvalidDataException("extent tree of depth " + h.depth + ": deeper than ext4 allows (" + MAX_DEPTH + ")");
        }
        if (h.entries > h.max || SIZE + (long) Extent.SIZE * h.max > nodeBytes) {
            throw new InvalidDataException("bad extent header (" + h.entries + "/" + h.max + " entries, depth " + h.depth + ")");
        }
        return h;
    }

    /**
     * A non-root node's checksum (metadata_csum): 4 bytes right after its {@code max} slots,
     * the crc32c (inode seed) of everything before them.
     */
    static void setChecksum(ByteBuffer block, int inodeSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int tail = tailOffset(b);
        b.putInt(tail, checksum(b, tail, inodeSeed));
    }

    static boolean checksumMatches(ByteBuffer block, int inodeSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int tail = tailOffset(b);
        return tail + TAIL_SIZE <= b.capacity() && b.getInt(tail) == checksum(b, tail, inodeSeed);
    }

    private static int tailOffset(ByteBuffer b) {
        return SIZE + Extent.SIZE * (b.getShort(OFF_MAX) & 0xFFFF);
    }

    private static int checksum(ByteBuffer b, int tail, int inodeSeed) {
        byte[] covered = new byte[Math.min(tail, b.capacity())];
        b.get(0, covered);
        return Crc32c.update(inodeSeed, covered);
    }

    public void encode(ByteBuffer b, int off) {
        b.putShort(off, (short) MAGIC);
        b.putShort(off + 2, (short) entries);
        b.putShort(off + 4, (short) max);
        b.putShort(off + 6, (short) depth);
        b.putInt(off + 8, 0);
    }
}
