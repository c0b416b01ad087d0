package walt.vpn.ext4;

import java.nio.ByteBuffer;
import walt.vpn.tree.InvalidDataException;

/** The 12-byte header of every extent tree node, in i_block or in an extent block. */
public record ExtentHeader(int entries, int max, int depth) {

    public static final int SIZE = 12;
    public static final int MAGIC = 0xF30A;
    /** ext4 never builds deeper trees; anything deeper is corruption (or a loop). */
    public static final int MAX_DEPTH = 5;

    public static ExtentHeader decode(ByteBuffer b, int off, int nodeBytes) throws InvalidDataException {
        if ((b.getShort(off) & 0xFFFF) != MAGIC) {
            throw new InvalidDataException("bad extent header magic");
        }
        ExtentHeader h = new ExtentHeader(b.getShort(off + 2) & 0xFFFF, b.getShort(off + 4) & 0xFFFF, b.getShort(off + 6) & 0xFFFF);
        if (h.entries > h.max || SIZE + 12L * h.max > nodeBytes || h.depth > MAX_DEPTH) {
            throw new InvalidDataException("bad extent header (" + h.entries + "/" + h.max + " entries, depth " + h.depth + ")");
        }
        return h;
    }

    public void encode(ByteBuffer b, int off) {
        b.putShort(off, (short) MAGIC);
        b.putShort(off + 2, (short) entries);
        b.putShort(off + 4, (short) max);
        b.putShort(off + 6, (short) depth);
        b.putInt(off + 8, 0);
    }
}
