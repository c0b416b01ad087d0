package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import walt.vpn.tree.InvalidDataException;

/** The ext2/3/4 superblock: 1024 bytes at byte offset 1024 of the filesystem (and its backups). */
public record Superblock(
        long inodesCount, long blocksCount, long reservedBlocksCount, long freeBlocksCount, long freeInodesCount,
        long firstDataBlock, int logBlockSize, long blocksPerGroup, long inodesPerGroup,
        long mountTime, long writeTime, int state, long lastCheck, int revLevel, long firstIno, int inodeSize,
        int blockGroupNr, Features features, byte[] uuid, String volumeName, int reservedGdtBlocks,
        long journalInode, long[] hashSeed, int defHashVersion, int journalBackupType, int descSize, int defaultMountOpts,
        long mkfsTime, int[] journalBlocks, int minExtraIsize, int wantExtraIsize, int flags, int logGroupsPerFlex,
        int checksumType, int checksumSeed, int logClusterSize, long clustersPerGroup) {

    public static final int SIZE = 1024;
    public static final int OFFSET = 1024;
    public static final int MAGIC = 0xEF53;
    public static final int FLAG_SIGNED_HASH = 0x1;
    public static final int FLAG_UNSIGNED_HASH = 0x2;
    /** mke2fs's largest cluster: 2^29 bytes (log in KiB units, as the field counts them). */
    private static final int MAX_LOG_CLUSTER_SIZE = 19;

    /** s_first_meta_bg: the first metagroup whose descriptors are in the metagroup itself. */
    static final int FIRST_META_BG = 0x104;
    /** s_backup_bgs: the two groups that hold backups under sparse_super2. */
    static final int BACKUP_BGS = 0x24C;
    static final int COMPAT_SPARSE_SUPER2 = 0x200;

    static long firstMetaBg(byte[] raw) {
        return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(FIRST_META_BG) & 0xFFFFFFFFL;
    }

    /**
     * Whether {@code group} starts with a copy of the superblock (the kernel's
     * ext4_bg_has_super): group 0 always; under sparse_super2 the two groups it names; under
     * sparse_super groups 1 and the powers of 3, 5 and 7; otherwise every group.
     */
    static boolean hasSuperblockCopy(Superblock sb, byte[] raw, long group) {
        if (group == 0) {
            return true;
        }
        if ((sb.features().compat() & COMPAT_SPARSE_SUPER2) != 0) {
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            return group == (b.getInt(BACKUP_BGS) & 0xFFFFFFFFL) || group == (b.getInt(BACKUP_BGS + 4) & 0xFFFFFFFFL);
        }
        // The writer's rule for sparse_super; group counts were checked to fit an int.
        return (sb.features().roCompat() & Features.RO_SPARSE_SUPER) == 0 || Geometry.hasBackup((int) group);
    }

    public int blockSize() {
        return 1024 << logBlockSize;
    }

    public long groupCount() {
        return (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
    }

    /** The seed every metadata checksum but the superblock's starts from. */
    public int csumSeed() {
        return (features.incompat() & Features.INCOMPAT_CSUM_SEED) != 0 ? checksumSeed : Crc32c.update(~0, uuid);
    }

    public String uuidString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(String.format("%02x", uuid[i]));
        }
        return sb.toString();
    }

    public static Superblock decode(byte[] raw) throws InvalidDataException {
        if (raw.length < SIZE) {
            throw new InvalidDataException("superblock truncated");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(0x38) & 0xFFFF) != MAGIC) {
            throw new InvalidDataException("not an ext2/3/4 filesystem (no superblock magic)");
        }
        Features f = new Features(b.getInt(0x5C), b.getInt(0x60), b.getInt(0x64));
        boolean is64 = f.is64bit();
        int revLevel = b.getInt(0x4C);
        byte[] uuid = Arrays.copyOfRange(raw, 0x68, 0x78);
        int[] jnl = new int[17];
        for (int i = 0; i < 17; i++) {
            jnl[i] = b.getInt(0x10C + 4 * i);
        }
        long[] seed = new long[4];
        for (int i = 0; i < 4; i++) {
            seed[i] = b.getInt(0xEC + 4 * i) & 0xFFFFFFFFL;
        }
        Superblock sb = new Superblock(
                u32(b, 0x00), u32(b, 0x04) | (is64 ? u32(b, 0x150) << 32 : 0), u32(b, 0x08) | (is64 ? u32(b, 0x154) << 32 : 0),
                u32(b, 0x0C) | (is64 ? u32(b, 0x158) << 32 : 0), u32(b, 0x10),
                u32(b, 0x14), b.getInt(0x18), u32(b, 0x20), u32(b, 0x28),
                u32(b, 0x2C), u32(b, 0x30), b.getShort(0x3A) & 0xFFFF, u32(b, 0x40), revLevel,
                revLevel == 0 ? 11 : u32(b, 0x54), revLevel == 0 ? 128 : b.getShort(0x58) & 0xFFFF,
                b.getShort(0x5A) & 0xFFFF, f, uuid, cString(raw, 0x78, 16), b.getShort(0xCE) & 0xFFFF,
                u32(b, 0xE0), seed, raw[0xFC] & 0xFF, raw[0xFD] & 0xFF, is64 ? b.getShort(0xFE) & 0xFFFF : 32, b.getInt(0x100),
                u32(b, 0x108), jnl, b.getShort(0x15C) & 0xFFFF, b.getShort(0x15E) & 0xFFFF, b.getInt(0x160),
                raw[0x174] & 0xFF, raw[0x175] & 0xFF, b.getInt(0x270), b.getInt(0x1C), u32(b, 0x24));
        sb.validate();
        if (f.metadataCsum()) {
            int want = b.getInt(0x3FC);
            int got = Crc32c.update(~0, raw, 0, 0x3FC);
            if (want != got) {
                throw new InvalidDataException("superblock checksum mismatch");
            }
        }
        return sb;
    }

    /** bigalloc: bitmaps count clusters of several blocks, so a group spans more blocks than its bitmap has bits. */
    boolean bigalloc() {
        return (features.roCompat() & Features.RO_BIGALLOC) != 0;
    }

    /** Bytes per allocation unit: a block, or with bigalloc a cluster of 2^n blocks. */
    int clusterSize() {
        return bigalloc() ? 1024 << logClusterSize : blockSize();
    }

    private void validate() throws InvalidDataException {
        if (logBlockSize < 0 || logBlockSize > 6) {
            throw new InvalidDataException("bad block size exponent " + logBlockSize);
        }
        if (bigalloc() && (logClusterSize < logBlockSize || logClusterSize > MAX_LOG_CLUSTER_SIZE
                || clustersPerGroup <= 0 || clustersPerGroup > 8L * blockSize()
                || blocksPerGroup != clustersPerGroup << (logClusterSize - logBlockSize))) {
            throw new InvalidDataException("bad bigalloc geometry: clusters of 2^" + logClusterSize + " KiB, " + clustersPerGroup
                    + " clusters and " + blocksPerGroup + " blocks per group");
        }
        long bitmapBits = bigalloc() ? clustersPerGroup : blocksPerGroup;
        if (bitmapBits <= 0 || bitmapBits > 8L * blockSize() || inodesPerGroup <= 0 || inodesPerGroup > 8L * blockSize()) {
            throw new InvalidDataException("bad group geometry: " + blocksPerGroup + " blocks, " + inodesPerGroup + " inodes per group");
        }
        if (inodeSize < 128 || inodeSize > blockSize() || Integer.bitCount(inodeSize) != 1) {
            throw new InvalidDataException("bad inode size " + inodeSize);
        }
        if (descSize != 32 && (descSize < 64 || descSize > 1024 || Integer.bitCount(descSize) != 1)) {
            throw new InvalidDataException("bad group descriptor size " + descSize);
        }
        if (blocksCount <= firstDataBlock || firstDataBlock > 1) {
            throw new InvalidDataException("bad block count " + blocksCount);
        }
        if (inodesCount < firstIno || inodesCount > groupCount() * inodesPerGroup) {
            throw new InvalidDataException("bad inode count " + inodesCount);
        }
    }

    public byte[] encode() {
        byte[] raw = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, (int) inodesCount);
        b.putInt(0x04, (int) blocksCount);
        b.putInt(0x08, (int) reservedBlocksCount);
        b.putInt(0x0C, (int) freeBlocksCount);
        b.putInt(0x10, (int) freeInodesCount);
        b.putInt(0x14, (int) firstDataBlock);
        b.putInt(0x18, logBlockSize);
        b.putInt(0x1C, logClusterSize);
        b.putInt(0x20, (int) blocksPerGroup);
        b.putInt(0x24, (int) clustersPerGroup);
        b.putInt(0x28, (int) inodesPerGroup);
        b.putInt(0x2C, (int) mountTime);
        b.putInt(0x30, (int) writeTime);
        b.putShort(0x36, (short) -1);
        b.putShort(0x38, (short) MAGIC);
        b.putShort(0x3A, (short) state);
        b.putShort(0x3C, (short) 1);
        b.putInt(0x40, (int) lastCheck);
        b.putInt(0x4C, revLevel);
        b.putInt(0x54, (int) firstIno);
        b.putShort(0x58, (short) inodeSize);
        b.putShort(0x5A, (short) blockGroupNr);
        b.putInt(0x5C, features.compat());
        b.putInt(0x60, features.incompat());
        b.putInt(0x64, features.roCompat());
        System.arraycopy(uuid, 0, raw, 0x68, 16);
        byte[] name = volumeName.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, raw, 0x78, Math.min(16, name.length));
        b.putShort(0xCE, (short) reservedGdtBlocks);
        b.putInt(0xE0, (int) journalInode);
        for (int i = 0; i < 4; i++) {
            b.putInt(0xEC + 4 * i, (int) hashSeed[i]);
        }
        raw[0xFC] = (byte) defHashVersion;
        raw[0xFD] = (byte) journalBackupType;
        b.putShort(0xFE, (short) descSize);
        b.putInt(0x100, defaultMountOpts);
        b.putInt(0x108, (int) mkfsTime);
        for (int i = 0; i < 17; i++) {
            b.putInt(0x10C + 4 * i, journalBlocks[i]);
        }
        if (features.is64bit()) {
            b.putInt(0x150, (int) (blocksCount >>> 32));
            b.putInt(0x154, (int) (reservedBlocksCount >>> 32));
            b.putInt(0x158, (int) (freeBlocksCount >>> 32));
        }
        b.putShort(0x15C, (short) minExtraIsize);
        b.putShort(0x15E, (short) wantExtraIsize);
        b.putInt(0x160, flags);
        raw[0x174] = (byte) logGroupsPerFlex;
        raw[0x175] = (byte) checksumType;
        b.putInt(0x270, checksumSeed);
        if (features.metadataCsum()) {
            b.putInt(0x3FC, Crc32c.update(~0, raw, 0, 0x3FC));
        }
        return raw;
    }

    /** This superblock as stored in the backup of group {@code group}. */
    public Superblock forGroup(int group) {
        return new Superblock(inodesCount, blocksCount, reservedBlocksCount, freeBlocksCount, freeInodesCount, firstDataBlock,
                logBlockSize, blocksPerGroup, inodesPerGroup, mountTime, writeTime, state, lastCheck, revLevel, firstIno,
                inodeSize, group, features, uuid, volumeName, reservedGdtBlocks, journalInode, hashSeed, defHashVersion,
                journalBackupType, descSize, defaultMountOpts, mkfsTime, journalBlocks, minExtraIsize, wantExtraIsize, flags,
                logGroupsPerFlex, checksumType, checksumSeed, logClusterSize, clustersPerGroup);
    }

    static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    static String cString(byte[] raw, int off, int max) {
        int end = off;
        while (end < off + max && raw[end] != 0) {
            end++;
        }
        return new String(raw, off, end - off, StandardCharsets.UTF_8);
    }
}
