package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The jbd2 journal superblock (version 2), first block of the journal; big-endian, unlike ext4. */
public record JournalSuperblock(int blockSize, long maxLen, byte[] uuid) {

    public static final int MAGIC = 0xC03B3998;
    public static final int BLOCKTYPE_SUPERBLOCK_V2 = 4;

    /** A clean, empty journal: nothing to replay, next transaction 1. */
    public byte[] encode() {
        byte[] raw = new byte[blockSize];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x0, MAGIC);
        b.putInt(0x4, BLOCKTYPE_SUPERBLOCK_V2);
        b.putInt(0x8, 0);
        b.putInt(0xC, blockSize);
        b.putInt(0x10, (int) maxLen);
        b.putInt(0x14, 1);             // s_first: the log starts after this block
        b.putInt(0x18, 1);             // s_sequence
        b.putInt(0x1C, 0);             // s_start 0: clean
        System.arraycopy(uuid, 0, raw, 0x30, 16);
        b.putInt(0x40, 1);             // s_nr_users
        System.arraycopy(uuid, 0, raw, 0x100, 16);  // s_users[0]: the filesystem using it
        return raw;
    }

    public static boolean isJournal(byte[] block) {
        return block.length >= 4 && ByteBuffer.wrap(block).order(ByteOrder.BIG_ENDIAN).getInt(0) == MAGIC;
    }

    /** mke2fs's default journal length in blocks for a filesystem of {@code blocks} blocks. */
    public static long defaultBlocks(long blocks) {
        if (blocks < 2048) {
            return 0;
        } else if (blocks < 32768) {
            return 1024;
        } else if (blocks < 256 * 1024) {
            return 4096;
        } else if (blocks < 512 * 1024) {
            return 8192;
        } else if (blocks < 4096 * 1024) {
            return 16384;
        } else if (blocks < 8192 * 1024) {
            return 32768;
        } else if (blocks < 16384 * 1024) {
            return 65536;
        } else if (blocks < 32768 * 1024) {
            return 131072;
        }
        return 262144;
    }
}
