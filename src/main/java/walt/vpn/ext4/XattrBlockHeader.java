package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 32-byte header of an xattr block: magic, reference count, block count, hash of the
 * entries and (metadata_csum) the crc32c of the whole block, seeded with the filesystem seed
 * and the block's own number, so a block copied elsewhere does not check.
 */
final class XattrBlockHeader {

    static final int SIZE = 32;
    static final int OFF_REFCOUNT = 0x4;
    static final int OFF_BLOCKS = 0x8;
    static final int OFF_HASH = 0xC;
    static final int OFF_CHECKSUM = 0x10;

    private XattrBlockHeader() {
    }

    static void setChecksum(ByteBuffer block, long blockNr, int csumSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(OFF_CHECKSUM, checksum(b, blockNr, csumSeed));
    }

    static boolean checksumMatches(ByteBuffer block, long blockNr, int csumSeed) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return b.getInt(OFF_CHECKSUM) == checksum(b, blockNr, csumSeed);
    }

    private static int checksum(ByteBuffer b, long blockNr, int csumSeed) {
        byte[] copy = new byte[b.capacity()];
        b.get(0, copy);
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(OFF_CHECKSUM, 0);
        return Crc32c.update(Crc32c.updateLong(csumSeed, blockNr), copy);
    }
}
