package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 12 bytes that open every jbd2 metadata block (superblock, descriptor, commit, revoke):
 * magic, block type and the transaction it belongs to. A log block without the magic or with
 * another transaction's sequence is where the log ends.
 */
record JournalHeader(int blockType, long sequence) {

    static final int SIZE = 12;
    static final int DESCRIPTOR = 1;
    static final int COMMIT = 2;
    static final int REVOKE = 5;

    private static final int OFF_BLOCK_TYPE = 4;
    private static final int OFF_SEQUENCE = 8;
    /** The block tail of csum v2/v3 descriptor and revoke blocks: a crc32c in the last 4 bytes. */
    static final int TAIL_SIZE = 4;

    /** The header at the start of {@code block}, or null when the journal magic is not there. */
    static JournalHeader decode(ByteBuffer block) {
        ByteBuffer b = block.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (b.capacity() < SIZE || b.getInt(0) != JournalSuperblock.MAGIC) {
            return null;
        }
        return new JournalHeader(b.getInt(OFF_BLOCK_TYPE), b.getInt(OFF_SEQUENCE) & 0xFFFFFFFFL);
    }

    void encode(ByteBuffer block) {
        ByteBuffer b = block.duplicate().order(ByteOrder.BIG_ENDIAN);
        b.putInt(0, JournalSuperblock.MAGIC);
        b.putInt(OFF_BLOCK_TYPE, blockType);
        b.putInt(OFF_SEQUENCE, (int) sequence);
    }

    /**
     * Whether the crc32c of the whole block, with the 4 bytes at {@code csumOffset} read as
     * zero, is what they hold: the rule of descriptor and revoke tails and of commit blocks.
     */
    static boolean checksumMatches(ByteBuffer block, int csumOffset, int seed) {
        byte[] copy = new byte[block.capacity()];
        block.duplicate().get(0, copy);
        int stored = ByteBuffer.wrap(copy).order(ByteOrder.BIG_ENDIAN).getInt(csumOffset);
        ByteBuffer.wrap(copy).putInt(csumOffset, 0);
        return Crc32c.update(seed, copy) == stored;
    }

    /** jbd2's sequence numbers wrap at 2^32: a is after b when the difference, signed, is positive. */
    static boolean after(long a, long b) {
        return (int) (a - b) > 0;
    }
}
