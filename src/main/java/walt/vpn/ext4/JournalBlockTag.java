package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One entry of a descriptor block: the filesystem block that the next logged block is a copy
 * of, its flags and (csum v2/v3) the crc32c of the logged copy. Its size depends on the
 * journal's features: 16 bytes with csum v3, else 12 (64bit) or 8, plus 2 with csum v2.
 */
record JournalBlockTag(long block, int flags, int checksum) {

    /** The logged copy had the journal magic in its first 4 bytes, zeroed so replay is not fooled: put it back. */
    static final int FLAG_ESCAPE = 0x1;
    /** No 16-byte UUID follows this tag. */
    static final int FLAG_SAME_UUID = 0x2;
    static final int FLAG_LAST_TAG = 0x8;
    static final int UUID_SIZE = 16;

    private static final int OFF_BLOCK = 0;
    private static final int OFF_CHECKSUM_V2 = 4;
    private static final int OFF_FLAGS = 6;
    private static final int OFF_BLOCK_HIGH = 8;
    private static final int OFF_FLAGS_V3 = 4;
    private static final int OFF_BLOCK_HIGH_V3 = 8;
    private static final int OFF_CHECKSUM_V3 = 12;
    private static final int SIZE_V3 = 16;
    private static final int SIZE_BASE = 12;
    private static final int SIZE_CSUM_V2 = 2;
    private static final int SIZE_HIGH = 4;

    static int size(JournalSuperblock j) {
        if (j.has(JournalSuperblock.INCOMPAT_CSUM_V3)) {
            return SIZE_V3;
        }
        int size = SIZE_BASE + (j.has(JournalSuperblock.INCOMPAT_CSUM_V2) ? SIZE_CSUM_V2 : 0);
        return j.has(JournalSuperblock.INCOMPAT_64BIT) ? size : size - SIZE_HIGH;
    }

    static JournalBlockTag decode(ByteBuffer block, int off, JournalSuperblock j) {
        ByteBuffer b = block.duplicate().order(ByteOrder.BIG_ENDIAN);
        long low = b.getInt(off + OFF_BLOCK) & 0xFFFFFFFFL;
        boolean wide = j.has(JournalSuperblock.INCOMPAT_64BIT);
        if (j.has(JournalSuperblock.INCOMPAT_CSUM_V3)) {
            long high = wide ? b.getInt(off + OFF_BLOCK_HIGH_V3) & 0xFFFFFFFFL : 0;
            return new JournalBlockTag(low | high << 32, b.getInt(off + OFF_FLAGS_V3), b.getInt(off + OFF_CHECKSUM_V3));
        }
        long high = wide ? b.getInt(off + OFF_BLOCK_HIGH) & 0xFFFFFFFFL : 0;
        return new JournalBlockTag(low | high << 32, b.getShort(off + OFF_FLAGS) & 0xFFFF, b.getShort(off + OFF_CHECKSUM_V2) & 0xFFFF);
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * Whether {@code logged} (as stored in the log, still escaped) is what was logged: crc32c of
     * the transaction's sequence (big-endian) then the block; csum v2 keeps the low 16 bits.
     */
    boolean checksumMatches(JournalSuperblock j, long sequence, ByteBuffer logged) {
        if (!j.hasChecksums()) {
            return true;
        }
        byte[] seq = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt((int) sequence).array();
        byte[] data = new byte[logged.capacity()];
        logged.duplicate().get(0, data);
        int crc = Crc32c.update(Crc32c.update(j.csumSeed(), seq), data);
        return j.has(JournalSuperblock.INCOMPAT_CSUM_V3) ? crc == checksum : (crc & 0xFFFF) == checksum;
    }
}
