package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import walt.vpn.tree.InvalidDataException;

/**
 * The jbd2 journal superblock, first block of the journal; big-endian, unlike ext4. It says
 * where the log starts ({@code start}, 0 when there is nothing to replay), which transaction
 * is expected there ({@code sequence}) and how log blocks are laid out (the feature words).
 *
 * @param first  the first log block; the log wraps from {@code maxLen - 1} back to it
 */
public record JournalSuperblock(int version, int blockSize, long maxLen, UUID uuid, long first, long sequence, long start,
                                int compat, int incompat, int roCompat) {

    public static final int MAGIC = 0xC03B3998;
    public static final int BLOCKTYPE_SUPERBLOCK_V1 = 3;
    public static final int BLOCKTYPE_SUPERBLOCK_V2 = 4;

    /** Bytes the superblock checksum covers (sizeof journal_superblock_t). */
    static final int SIZE = 1024;
    private static final int OFF_BLOCK_SIZE = 0xC;
    private static final int OFF_MAX_LEN = 0x10;
    private static final int OFF_FIRST = 0x14;
    private static final int OFF_SEQUENCE = 0x18;
    private static final int OFF_START = 0x1C;
    private static final int OFF_COMPAT = 0x24;
    private static final int OFF_INCOMPAT = 0x28;
    private static final int OFF_RO_COMPAT = 0x2C;
    private static final int OFF_UUID = 0x30;
    private static final int OFF_NR_USERS = 0x40;
    private static final int OFF_CHECKSUM_TYPE = 0x50;
    private static final int OFF_CHECKSUM = 0xFC;
    private static final int OFF_USERS = 0x100;

    /** The first commit checksum: a big-endian CRC-32 of the transaction's descriptor and logged blocks. */
    static final int COMPAT_CHECKSUM = 0x1;
    static final int INCOMPAT_REVOKE = 0x1;
    static final int INCOMPAT_64BIT = 0x2;
    static final int INCOMPAT_ASYNC_COMMIT = 0x4;
    static final int INCOMPAT_CSUM_V2 = 0x8;
    static final int INCOMPAT_CSUM_V3 = 0x10;
    static final int INCOMPAT_FAST_COMMIT = 0x20;
    /** The one checksum type the v2 and v3 formats define (JBD2_CRC32C_CHKSUM). */
    static final int CHECKSUM_TYPE_CRC32C = 4;
    /** Log formats this reader replays; fast commits need ext4's own replay, which it does not do. */
    static final int INCOMPAT_REPLAYABLE = INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V2
            | INCOMPAT_CSUM_V3;

    /** A clean, empty journal of {@code maxLen} blocks, as the writer makes it. */
    public JournalSuperblock(int blockSize, long maxLen, byte[] uuid) {
        this(2, blockSize, maxLen, uuidOf(uuid), 1, 1, 0, 0, 0, 0);
    }

    /** A clean, empty journal: nothing to replay, next transaction 1. */
    public byte[] encode() {
        byte[] raw = new byte[blockSize];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        new JournalHeader(BLOCKTYPE_SUPERBLOCK_V2, 0).encode(b);
        b.putInt(OFF_BLOCK_SIZE, blockSize);
        b.putInt(OFF_MAX_LEN, (int) maxLen);
        b.putInt(OFF_FIRST, (int) first);
        b.putInt(OFF_SEQUENCE, (int) sequence);
        b.putInt(OFF_START, (int) start);
        b.putLong(OFF_UUID, uuid.getMostSignificantBits());
        b.putLong(OFF_UUID + 8, uuid.getLeastSignificantBits());
        b.putInt(OFF_NR_USERS, 1);
        // s_users[0]: the filesystem using it.
        b.putLong(OFF_USERS, uuid.getMostSignificantBits());
        b.putLong(OFF_USERS + 8, uuid.getLeastSignificantBits());
        return raw;
    }

    /** The superblock in the journal's first block; its checksum checked when the journal has one. */
    static JournalSuperblock decode(ByteBuffer block) throws InvalidDataException {
        ByteBuffer b = block.duplicate().order(ByteOrder.BIG_ENDIAN);
        JournalHeader h = JournalHeader.decode(b);
        if (h == null || (h.blockType() != BLOCKTYPE_SUPERBLOCK_V1 && h.blockType() != BLOCKTYPE_SUPERBLOCK_V2)) {
            throw new InvalidDataException("journal superblock: bad magic or block type");
        }
        boolean v2 = h.blockType() == BLOCKTYPE_SUPERBLOCK_V2;
        JournalSuperblock sb = new JournalSuperblock(v2 ? 2 : 1, b.getInt(OFF_BLOCK_SIZE), u32(b, OFF_MAX_LEN),
                new UUID(b.getLong(OFF_UUID), b.getLong(OFF_UUID + 8)), u32(b, OFF_FIRST), u32(b, OFF_SEQUENCE), u32(b, OFF_START),
                v2 ? b.getInt(OFF_COMPAT) : 0, v2 ? b.getInt(OFF_INCOMPAT) : 0, v2 ? b.getInt(OFF_RO_COMPAT) : 0);
        // As the kernel's journal load: one checksum format, of the one type v2 and v3 define.
        if (sb.has(INCOMPAT_CSUM_V2) && sb.has(INCOMPAT_CSUM_V3)) {
            throw new InvalidDataException("journal superblock: both checksum formats v2 and v3 are set");
        }
        int checksumType = b.get(OFF_CHECKSUM_TYPE) & 0xFF;
        if (sb.hasChecksums() && checksumType != CHECKSUM_TYPE_CRC32C) {
            throw new InvalidDataException("journal superblock: unknown checksum type " + checksumType + " (crc32c is "
                    + CHECKSUM_TYPE_CRC32C + ")");
        }
        if (sb.hasChecksums() && b.capacity() >= SIZE) {
            byte[] copy = new byte[SIZE];
            b.get(0, copy);
            ByteBuffer.wrap(copy).putInt(OFF_CHECKSUM, 0);
            if (Crc32c.update(~0, copy) != b.getInt(OFF_CHECKSUM)) {
                throw new InvalidDataException("journal superblock checksum mismatch");
            }
        }
        return sb;
    }

    /** Descriptor, revoke and commit blocks and every logged block carry a crc32c (csum v2 or v3). */
    boolean hasChecksums() {
        return (incompat & (INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3)) != 0;
    }

    boolean has(int incompatFeature) {
        return (incompat & incompatFeature) != 0;
    }

    /** The seed of every journal checksum but the superblock's: the journal UUID's crc32c. */
    int csumSeed() {
        ByteBuffer u = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return Crc32c.update(~0, u.array());
    }

    public static boolean isJournal(byte[] block) {
        return block.length >= 4 && ByteBuffer.wrap(block).order(ByteOrder.BIG_ENDIAN).getInt(0) == MAGIC;
    }

    private static UUID uuidOf(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw);
        return new UUID(b.getLong(0), b.getLong(8));
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
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
