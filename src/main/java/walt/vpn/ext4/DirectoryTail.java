package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The checksum a metadata_csum directory leaf block ends with: a fake 12-byte entry (inode 0,
 * record length 12, no name, file type 0xDE) whose last 4 bytes are the crc32c, seeded with
 * the directory inode's seed, of everything before it.
 */
final class DirectoryTail {

    static final int SIZE = DirectoryEntry.TAIL_SIZE;
    private static final int OFF_REC_LEN = 4;
    private static final int OFF_NAME_LEN = 6;
    private static final int OFF_FILE_TYPE = 7;
    private static final int OFF_CHECKSUM = 8;

    private DirectoryTail() {
    }

    /** Writes the tail into the last 12 bytes of {@code block}. */
    static void set(ByteBuffer block, int blockSize, int inodeSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int at = blockSize - SIZE;
        b.putInt(at, 0);
        b.putShort(at + OFF_REC_LEN, (short) SIZE);
        b.put(at + OFF_NAME_LEN, (byte) 0);
        b.put(at + OFF_FILE_TYPE, (byte) DirectoryEntry.TAIL_FILE_TYPE);
        b.putInt(at + OFF_CHECKSUM, checksum(b, at, inodeSeed));
    }

    /** Whether {@code block} ends with a tail and the tail's checksum holds. */
    static boolean matches(ByteBuffer block, int blockSize, int inodeSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int at = blockSize - SIZE;
        return b.getInt(at) == 0 && (b.getShort(at + OFF_REC_LEN) & 0xFFFF) == SIZE && b.get(at + OFF_NAME_LEN) == 0
                && (b.get(at + OFF_FILE_TYPE) & 0xFF) == DirectoryEntry.TAIL_FILE_TYPE
                && b.getInt(at + OFF_CHECKSUM) == checksum(b, at, inodeSeed);
    }

    private static int checksum(ByteBuffer b, int length, int inodeSeed) {
        byte[] data = new byte[length];
        b.get(0, data);
        return Crc32c.update(inodeSeed, data);
    }
}
