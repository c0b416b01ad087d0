package walt.vpn.fat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The FAT32 FSInfo sector: a hint of the free cluster count and where to look for the next
 * free cluster. fsck.fat compares the free count with the FAT, so it must be exact.
 */
public record FsInfo(long freeCount, long nextFree) {

    static final int LEAD_SIGNATURE = 0x41615252;
    static final int STRUCT_SIGNATURE = 0x61417272;
    static final int TRAIL_SIGNATURE = 0xAA550000;
    /** "Unknown", for either field. */
    public static final long UNKNOWN = 0xFFFFFFFFL;

    public static boolean isFsInfo(byte[] sector) {
        ByteBuffer b = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        return sector.length >= 512 && b.getInt(0) == LEAD_SIGNATURE && b.getInt(484) == STRUCT_SIGNATURE;
    }

    public static FsInfo parse(byte[] sector) {
        ByteBuffer b = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        return new FsInfo(Integer.toUnsignedLong(b.getInt(488)), Integer.toUnsignedLong(b.getInt(492)));
    }

    /** One sector of {@code sectorSize} bytes (the trail signature sits at 508 whatever the size). */
    public byte[] toBytes(int sectorSize) {
        ByteBuffer b = ByteBuffer.allocate(sectorSize).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, LEAD_SIGNATURE);
        b.putInt(484, STRUCT_SIGNATURE);
        b.putInt(488, (int) freeCount);
        b.putInt(492, (int) nextFree);
        b.putInt(508, TRAIL_SIGNATURE);
        return b.array();
    }
}
