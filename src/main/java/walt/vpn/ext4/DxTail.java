package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The checksum of an htree index block (the dx_root in block 0, dx_node blocks after it): 8
 * bytes right after the {@code limit} slots of the index, the crc32c (inode seed) of the block
 * up to the last used slot, then of the tail's reserved word and a zero checksum.
 */
final class DxTail {

    static final int SIZE = 8;
    /** Where a dx_node's count/limit header is: after its empty 8-byte dirent. */
    static final int NODE_COUNT_OFFSET = 8;
    /** Where the dx_root's is: after ".", ".." and the 8-byte root info. */
    static final int ROOT_COUNT_OFFSET = 32;
    static final int ENTRY_SIZE = 8;
    private static final int OFF_LIMIT = 0;
    private static final int OFF_COUNT = 2;
    private static final int OFF_CHECKSUM = 4;
    /** dx_root_info: reserved word, hash version, info length (8), levels, flags. */
    private static final int ROOT_INFO_RESERVED = 24;
    private static final int ROOT_INFO_LENGTH = 29;
    private static final int ROOT_INFO_SIZE = 8;

    private DxTail() {
    }

    /** Checksums the index whose count/limit header is at {@code countOffset}. */
    static void set(ByteBuffer block, int countOffset, int inodeSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int tail = countOffset + ENTRY_SIZE * (b.getShort(countOffset + OFF_LIMIT) & 0xFFFF);
        b.putInt(tail + OFF_CHECKSUM, checksum(b, countOffset, tail, inodeSeed));
    }

    /**
     * Whether the index block holds a tail that matches; {@code root} says block 0 (the count
     * sits after the root info) from a dx_node.
     */
    static boolean matches(ByteBuffer block, int blockSize, boolean root, int inodeSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (root && (b.getInt(ROOT_INFO_RESERVED) != 0 || b.get(ROOT_INFO_LENGTH) != ROOT_INFO_SIZE)) {
            return false;
        }
        int countOffset = root ? ROOT_COUNT_OFFSET : NODE_COUNT_OFFSET;
        int limit = b.getShort(countOffset + OFF_LIMIT) & 0xFFFF;
        int count = b.getShort(countOffset + OFF_COUNT) & 0xFFFF;
        int tail = countOffset + ENTRY_SIZE * limit;
        if (count > limit || tail + SIZE > blockSize) {
            return false;
        }
        return b.getInt(tail + OFF_CHECKSUM) == checksum(b, countOffset, tail, inodeSeed);
    }

    private static int checksum(ByteBuffer b, int countOffset, int tail, int inodeSeed) {
        int count = b.getShort(countOffset + OFF_COUNT) & 0xFFFF;
        byte[] used = new byte[countOffset + ENTRY_SIZE * count];
        b.get(0, used);
        byte[] reserved = new byte[4];
        b.get(tail, reserved);
        int crc = Crc32c.update(inodeSeed, used);
        crc = Crc32c.update(crc, reserved);
        return Crc32c.updateInt(crc, 0);
    }
}
