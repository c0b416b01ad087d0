package walt.vpn.ext4;

import java.nio.ByteBuffer;

/**
 * A leaf extent: {@code length} file blocks from {@code logicalBlock} stored from
 * {@code physicalBlock}. Unwritten (preallocated) extents read as zeros.
 */
public record Extent(long logicalBlock, int length, long physicalBlock, boolean unwritten) {

    public static final int SIZE = 12;
    public static final int MAX_LENGTH = 32768;

    public static Extent decode(ByteBuffer b, int off) {
        int len = b.getShort(off + 4) & 0xFFFF;
        boolean unwritten = len > MAX_LENGTH;
        long start = (b.getInt(off + 8) & 0xFFFFFFFFL) | ((long) (b.getShort(off + 6) & 0xFFFF) << 32);
        return new Extent(b.getInt(off) & 0xFFFFFFFFL, unwritten ? len - MAX_LENGTH : len, start, unwritten);
    }

    public void encode(ByteBuffer b, int off) {
        b.putInt(off, (int) logicalBlock);
        b.putShort(off + 4, (short) (unwritten ? length + MAX_LENGTH : length));
        b.putShort(off + 6, (short) (physicalBlock >>> 32));
        b.putInt(off + 8, (int) physicalBlock);
    }
}
