package walt.vpn.ext4;

import java.nio.ByteBuffer;

/** An interior extent tree entry: the node at {@code childBlock} maps file blocks from {@code logicalBlock} on. */
public record ExtentIndex(long logicalBlock, long childBlock) {

    public static final int SIZE = 12;

    public static ExtentIndex decode(ByteBuffer b, int off) {
        return new ExtentIndex(b.getInt(off) & 0xFFFFFFFFL,
                (b.getInt(off + 4) & 0xFFFFFFFFL) | ((long) (b.getShort(off + 8) & 0xFFFF) << 32));
    }

    public void encode(ByteBuffer b, int off) {
        b.putInt(off, (int) logicalBlock);
        b.putInt(off + 4, (int) childBlock);
        b.putShort(off + 8, (short) (childBlock >>> 32));
        b.putShort(off + 10, (short) 0);
    }
}
