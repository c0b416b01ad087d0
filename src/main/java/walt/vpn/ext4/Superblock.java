package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import walt.vpn.tree.InvalidDataException;

/**
 * The ext2/3/4 superblock: 1024 bytes at byte offset 1024 of the filesystem (and its backups).
 * Built by field name through {@link #builder()}, as e2fsprogs and go-diskfs fill theirs; its
 * arrays are copied in and out, so a superblock once built does not change.
 */
public final class Superblock {

    public static final int SIZE = 1024;
    public static final int OFFSET = 1024;
    public static final int MAGIC = 0xEF53;
    public static final int FLAG_SIGNED_HASH = 0x1;
    public static final int FLAG_UNSIGNED_HASH = 0x2;
    /** mke2fs's largest cluster: 2^29 bytes (log in KiB units, as the field counts them). */
    private static final int MAX_LOG_CLUSTER_SIZE = 19;
    /** The kernel's largest block, 64 KiB (EXT4_MAX_BLOCK_LOG_SIZE, in the field's KiB units). */
    private static final int MAX_LOG_BLOCK_SIZE = 6;

    // Field offsets, named after the kernel's struct ext4_super_block.
    private static final int OFF_INODES_COUNT = 0x00;
    private static final int OFF_BLOCKS_COUNT_LO = 0x04;
    private static final int OFF_R_BLOCKS_COUNT_LO = 0x08;
    private static final int OFF_FREE_BLOCKS_COUNT_LO = 0x0C;
    private static final int OFF_FREE_INODES_COUNT = 0x10;
    private static final int OFF_FIRST_DATA_BLOCK = 0x14;
    private static final int OFF_LOG_BLOCK_SIZE = 0x18;
    private static final int OFF_LOG_CLUSTER_SIZE = 0x1C;
    private static final int OFF_BLOCKS_PER_GROUP = 0x20;
    private static final int OFF_CLUSTERS_PER_GROUP = 0x24;
    private static final int OFF_INODES_PER_GROUP = 0x28;
    private static final int OFF_MTIME = 0x2C;
    private static final int OFF_WTIME = 0x30;
    private static final int OFF_MAX_MNT_COUNT = 0x36;
    private static final int OFF_MAGIC = 0x38;
    private static final int OFF_STATE = 0x3A;
    private static final int OFF_ERRORS = 0x3C;
    private static final int OFF_LASTCHECK = 0x40;
    private static final int OFF_REV_LEVEL = 0x4C;
    private static final int OFF_FIRST_INO = 0x54;
    private static final int OFF_INODE_SIZE = 0x58;
    private static final int OFF_BLOCK_GROUP_NR = 0x5A;
    private static final int OFF_FEATURE_COMPAT = 0x5C;
    private static final int OFF_FEATURE_INCOMPAT = 0x60;
    private static final int OFF_FEATURE_RO_COMPAT = 0x64;
    private static final int OFF_UUID = 0x68;
    private static final int OFF_VOLUME_NAME = 0x78;
    private static final int OFF_RESERVED_GDT_BLOCKS = 0xCE;
    private static final int OFF_JOURNAL_INUM = 0xE0;
    private static final int OFF_HASH_SEED = 0xEC;
    private static final int OFF_DEF_HASH_VERSION = 0xFC;
    private static final int OFF_JNL_BACKUP_TYPE = 0xFD;
    private static final int OFF_DESC_SIZE = 0xFE;
    private static final int OFF_DEFAULT_MOUNT_OPTS = 0x100;
    /** s_first_meta_bg: the first metagroup whose descriptors are in the metagroup itself. */
    static final int FIRST_META_BG = 0x104;
    private static final int OFF_MKFS_TIME = 0x108;
    private static final int OFF_JNL_BLOCKS = 0x10C;
    private static final int OFF_BLOCKS_COUNT_HI = 0x150;
    private static final int OFF_R_BLOCKS_COUNT_HI = 0x154;
    private static final int OFF_FREE_BLOCKS_COUNT_HI = 0x158;
    private static final int OFF_MIN_EXTRA_ISIZE = 0x15C;
    private static final int OFF_WANT_EXTRA_ISIZE = 0x15E;
    private static final int OFF_FLAGS = 0x160;
    private static final int OFF_LOG_GROUPS_PER_FLEX = 0x174;
    private static final int OFF_CHECKSUM_TYPE = 0x175;
    /** s_backup_bgs: the two groups that hold backups under sparse_super2. */
    static final int BACKUP_BGS = 0x24C;
    private static final int OFF_CHECKSUM_SEED = 0x270;
    /** s_checksum, the last field: the checksum covers every byte before it. */
    private static final int OFF_CHECKSUM = 0x3FC;

    private static final int UUID_BYTES = 16;
    private static final int VOLUME_NAME_BYTES = 16;
    private static final int HASH_SEED_WORDS = 4;
    /** s_jnl_blocks: the journal inode's i_block (15 words), then its i_size_high and i_size. */
    private static final int JNL_BLOCKS_WORDS = 17;

    static final int COMPAT_SPARSE_SUPER2 = 0x200;

    /** s_state EXT4_VALID_FS: unmounted cleanly, nothing for e2fsck to repair. */
    static final int STATE_CLEAN = 1;
    /** s_errors EXT4_ERRORS_CONTINUE, mke2fs's default. */
    private static final int ERRORS_CONTINUE = 1;
    /** s_max_mnt_count -1: no check forced by mount count, as mke2fs has written since 1.42. */
    private static final int MAX_MNT_COUNT_NONE = -1;
    /** s_rev_level EXT4_DYNAMIC_REV: inode size, first inode and feature words are in the superblock. */
    static final int REV_DYNAMIC = 1;
    /** What revision 0 (EXT4_GOOD_OLD_REV) fixes instead of storing: EXT4_GOOD_OLD_FIRST_INO. */
    private static final int GOOD_OLD_FIRST_INO = 11;
    /** EXT4_MIN_DESC_SIZE: the descriptor size without 64bit, whatever s_desc_size holds then. */
    private static final int MIN_DESC_SIZE = 32;
    private static final int MIN_DESC_SIZE_64BIT = 64;
    private static final int MAX_DESC_SIZE = 1024;
    /** s_default_mount_opts EXT4_DEFM_XATTR_USER: mount with user_xattr unless told not to. */
    static final int DEFM_XATTR_USER = 0x0004;
    /** s_default_mount_opts EXT4_DEFM_ACL: mount with acl unless told not to. */
    static final int DEFM_ACL = 0x0008;
    /** s_def_hash_version DX_HASH_HALF_MD4, mke2fs's default directory hash. */
    static final int HASH_HALF_MD4 = 1;
    /** s_jnl_backup_type EXT3_JNL_BACKUP_BLOCKS: s_jnl_blocks holds the journal inode's block map. */
    static final int JNL_BACKUP_BLOCKS = 1;
    /** s_checksum_type EXT4_CRC32C_CHKSUM, the one metadata_csum defines. */
    static final int CHECKSUM_CRC32C = 1;

    private final long inodesCount;
    private final long blocksCount;
    private final long reservedBlocksCount;
    private final long freeBlocksCount;
    private final long freeInodesCount;
    private final long firstDataBlock;
    private final int logBlockSize;
    private final int logClusterSize;
    private final long blocksPerGroup;
    private final long clustersPerGroup;
    private final long inodesPerGroup;
    private final long mountTime;
    private final long writeTime;
    private final int state;
    private final long lastCheck;
    private final int revLevel;
    private final long firstIno;
    private final int inodeSize;
    private final int blockGroupNr;
    private final Features features;
    private final byte[] uuid;
    private final String volumeName;
    private final int reservedGdtBlocks;
    private final long journalInode;
    private final long[] hashSeed;
    private final int defHashVersion;
    private final int journalBackupType;
    private final int descSize;
    private final int defaultMountOpts;
    private final long mkfsTime;
    private final int[] journalBlocks;
    private final int minExtraIsize;
    private final int wantExtraIsize;
    private final int flags;
    private final int logGroupsPerFlex;
    private final int checksumType;
    private final int checksumSeed;

    private Superblock(Builder b) {
        inodesCount = b.inodesCount;
        blocksCount = b.blocksCount;
        reservedBlocksCount = b.reservedBlocksCount;
        freeBlocksCount = b.freeBlocksCount;
        freeInodesCount = b.freeInodesCount;
        firstDataBlock = b.firstDataBlock;
        logBlockSize = b.logBlockSize;
        logClusterSize = b.logClusterSize;
        blocksPerGroup = b.blocksPerGroup;
        clustersPerGroup = b.clustersPerGroup;
        inodesPerGroup = b.inodesPerGroup;
        mountTime = b.mountTime;
        writeTime = b.writeTime;
        state = b.state;
        lastCheck = b.lastCheck;
        revLevel = b.revLevel;
        firstIno = b.firstIno;
        inodeSize = b.inodeSize;
        blockGroupNr = b.blockGroupNr;
        features = b.features;
        // The builder may be set again and built again: this superblock keeps its own arrays.
        uuid = b.uuid.clone();
        volumeName = b.volumeName;
        reservedGdtBlocks = b.reservedGdtBlocks;
        journalInode = b.journalInode;
        hashSeed = b.hashSeed.clone();
        defHashVersion = b.defHashVersion;
        journalBackupType = b.journalBackupType;
        descSize = b.descSize;
        defaultMountOpts = b.defaultMountOpts;
        mkfsTime = b.mkfsTime;
        journalBlocks = b.journalBlocks.clone();
        minExtraIsize = b.minExtraIsize;
        wantExtraIsize = b.wantExtraIsize;
        flags = b.flags;
        logGroupsPerFlex = b.logGroupsPerFlex;
        checksumType = b.checksumType;
        checksumSeed = b.checksumSeed;
    }

    /** A superblock to fill by field name; a field not set is zero, its arrays all zeros, its name empty. */
    static Builder builder() {
        return new Builder();
    }

    /** A builder holding every field of this superblock, to change a few. */
    Builder toBuilder() {
        Builder b = new Builder();
        b.inodesCount = inodesCount;
        b.blocksCount = blocksCount;
        b.reservedBlocksCount = reservedBlocksCount;
        b.freeBlocksCount = freeBlocksCount;
        b.freeInodesCount = freeInodesCount;
        b.firstDataBlock = firstDataBlock;
        b.logBlockSize = logBlockSize;
        b.logClusterSize = logClusterSize;
        b.blocksPerGroup = blocksPerGroup;
        b.clustersPerGroup = clustersPerGroup;
        b.inodesPerGroup = inodesPerGroup;
        b.mountTime = mountTime;
        b.writeTime = writeTime;
        b.state = state;
        b.lastCheck = lastCheck;
        b.revLevel = revLevel;
        b.firstIno = firstIno;
        b.inodeSize = inodeSize;
        b.blockGroupNr = blockGroupNr;
        b.features = features;
        // Shared until build() copies them: the builder replaces its arrays, never writes into them.
        b.uuid = uuid;
        b.volumeName = volumeName;
        b.reservedGdtBlocks = reservedGdtBlocks;
        b.journalInode = journalInode;
        b.hashSeed = hashSeed;
        b.defHashVersion = defHashVersion;
        b.journalBackupType = journalBackupType;
        b.descSize = descSize;
        b.defaultMountOpts = defaultMountOpts;
        b.mkfsTime = mkfsTime;
        b.journalBlocks = journalBlocks;
        b.minExtraIsize = minExtraIsize;
        b.wantExtraIsize = wantExtraIsize;
        b.flags = flags;
        b.logGroupsPerFlex = logGroupsPerFlex;
        b.checksumType = checksumType;
        b.checksumSeed = checksumSeed;
        return b;
    }

    /** s_log_block_size or s_log_cluster_size for a size in bytes: both count doublings of 1 KiB. */
    static int logSize(int bytes) {
        return Integer.numberOfTrailingZeros(bytes) - 10;
    }

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

    public long inodesCount() {
        return inodesCount;
    }

    public long blocksCount() {
        return blocksCount;
    }

    public long reservedBlocksCount() {
        return reservedBlocksCount;
    }

    public long freeBlocksCount() {
        return freeBlocksCount;
    }

    public long freeInodesCount() {
        return freeInodesCount;
    }

    public long firstDataBlock() {
        return firstDataBlock;
    }

    public int logBlockSize() {
        return logBlockSize;
    }

    public int logClusterSize() {
        return logClusterSize;
    }

    public long blocksPerGroup() {
        return blocksPerGroup;
    }

    public long clustersPerGroup() {
        return clustersPerGroup;
    }

    public long inodesPerGroup() {
        return inodesPerGroup;
    }

    public long mountTime() {
        return mountTime;
    }

    public long writeTime() {
        return writeTime;
    }

    public int state() {
        return state;
    }

    public long lastCheck() {
        return lastCheck;
    }

    public int revLevel() {
        return revLevel;
    }

    public long firstIno() {
        return firstIno;
    }

    public int inodeSize() {
        return inodeSize;
    }

    public int blockGroupNr() {
        return blockGroupNr;
    }

    public Features features() {
        return features;
    }

    public byte[] uuid() {
        return uuid.clone();
    }

    public String volumeName() {
        return volumeName;
    }

    public int reservedGdtBlocks() {
        return reservedGdtBlocks;
    }

    public long journalInode() {
        return journalInode;
    }

    public long[] hashSeed() {
        return hashSeed.clone();
    }

    public int defHashVersion() {
        return defHashVersion;
    }

    public int journalBackupType() {
        return journalBackupType;
    }

    public int descSize() {
        return descSize;
    }

    public int defaultMountOpts() {
        return defaultMountOpts;
    }

    public long mkfsTime() {
        return mkfsTime;
    }

    public int[] journalBlocks() {
        return journalBlocks.clone();
    }

    public int minExtraIsize() {
        return minExtraIsize;
    }

    public int wantExtraIsize() {
        return wantExtraIsize;
    }

    public int flags() {
        return flags;
    }

    public int logGroupsPerFlex() {
        return logGroupsPerFlex;
    }

    public int checksumType() {
        return checksumType;
    }

    public int checksumSeed() {
        return checksumSeed;
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
        for (int i = 0; i < UUID_BYTES; i++) {
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
        if (u16(b, OFF_MAGIC) != MAGIC) {
            throw new InvalidDataException("not an ext2/3/4 filesystem (no superblock magic)");
        }
        Features f = new Features(b.getInt(OFF_FEATURE_COMPAT), b.getInt(OFF_FEATURE_INCOMPAT), b.getInt(OFF_FEATURE_RO_COMPAT));
        boolean is64 = f.is64bit();
        int revLevel = b.getInt(OFF_REV_LEVEL);
        int[] jnl = new int[JNL_BLOCKS_WORDS];
        for (int i = 0; i < JNL_BLOCKS_WORDS; i++) {
            jnl[i] = b.getInt(OFF_JNL_BLOCKS + 4 * i);
        }
        long[] seed = new long[HASH_SEED_WORDS];
        for (int i = 0; i < HASH_SEED_WORDS; i++) {
            seed[i] = u32(b, OFF_HASH_SEED + 4 * i);
        }
        Superblock sb = builder()
                .inodesCount(u32(b, OFF_INODES_COUNT))
                .blocksCount(u32(b, OFF_BLOCKS_COUNT_LO) | hi(b, is64, OFF_BLOCKS_COUNT_HI))
                .reservedBlocksCount(u32(b, OFF_R_BLOCKS_COUNT_LO) | hi(b, is64, OFF_R_BLOCKS_COUNT_HI))
                .freeBlocksCount(u32(b, OFF_FREE_BLOCKS_COUNT_LO) | hi(b, is64, OFF_FREE_BLOCKS_COUNT_HI))
                .freeInodesCount(u32(b, OFF_FREE_INODES_COUNT))
                .firstDataBlock(u32(b, OFF_FIRST_DATA_BLOCK))
                .logBlockSize(b.getInt(OFF_LOG_BLOCK_SIZE))
                .logClusterSize(b.getInt(OFF_LOG_CLUSTER_SIZE))
                .blocksPerGroup(u32(b, OFF_BLOCKS_PER_GROUP))
                .clustersPerGroup(u32(b, OFF_CLUSTERS_PER_GROUP))
                .inodesPerGroup(u32(b, OFF_INODES_PER_GROUP))
                .mountTime(u32(b, OFF_MTIME))
                .writeTime(u32(b, OFF_WTIME))
                .state(u16(b, OFF_STATE))
                .lastCheck(u32(b, OFF_LASTCHECK))
                .revLevel(revLevel)
                .firstIno(revLevel == 0 ? GOOD_OLD_FIRST_INO : u32(b, OFF_FIRST_INO))
                .inodeSize(revLevel == 0 ? Inode.GOOD_OLD_SIZE : u16(b, OFF_INODE_SIZE))
                .blockGroupNr(u16(b, OFF_BLOCK_GROUP_NR))
                .features(f)
                .uuid(Arrays.copyOfRange(raw, OFF_UUID, OFF_UUID + UUID_BYTES))
                .volumeName(cString(raw, OFF_VOLUME_NAME, VOLUME_NAME_BYTES))
                .reservedGdtBlocks(u16(b, OFF_RESERVED_GDT_BLOCKS))
                .journalInode(u32(b, OFF_JOURNAL_INUM))
                .hashSeed(seed)
                .defHashVersion(raw[OFF_DEF_HASH_VERSION] & 0xFF)
                .journalBackupType(raw[OFF_JNL_BACKUP_TYPE] & 0xFF)
                .descSize(is64 ? u16(b, OFF_DESC_SIZE) : MIN_DESC_SIZE)
                .defaultMountOpts(b.getInt(OFF_DEFAULT_MOUNT_OPTS))
                .mkfsTime(u32(b, OFF_MKFS_TIME))
                .journalBlocks(jnl)
                .minExtraIsize(u16(b, OFF_MIN_EXTRA_ISIZE))
                .wantExtraIsize(u16(b, OFF_WANT_EXTRA_ISIZE))
                .flags(b.getInt(OFF_FLAGS))
                .logGroupsPerFlex(raw[OFF_LOG_GROUPS_PER_FLEX] & 0xFF)
                .checksumType(raw[OFF_CHECKSUM_TYPE] & 0xFF)
                .checksumSeed(b.getInt(OFF_CHECKSUM_SEED))
                .build();
        sb.validate();
        if (f.metadataCsum() && !checksumMatches(raw)) {
            throw new InvalidDataException("superblock checksum mismatch");
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
        if (logBlockSize < 0 || logBlockSize > MAX_LOG_BLOCK_SIZE) {
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
        if (inodeSize < Inode.GOOD_OLD_SIZE || inodeSize > blockSize() || Integer.bitCount(inodeSize) != 1) {
            throw new InvalidDataException("bad inode size " + inodeSize);
        }
        if (descSize != MIN_DESC_SIZE
                && (descSize < MIN_DESC_SIZE_64BIT || descSize > MAX_DESC_SIZE || Integer.bitCount(descSize) != 1)) {
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
        b.putInt(OFF_INODES_COUNT, (int) inodesCount);
        b.putInt(OFF_BLOCKS_COUNT_LO, (int) blocksCount);
        b.putInt(OFF_R_BLOCKS_COUNT_LO, (int) reservedBlocksCount);
        b.putInt(OFF_FREE_BLOCKS_COUNT_LO, (int) freeBlocksCount);
        b.putInt(OFF_FREE_INODES_COUNT, (int) freeInodesCount);
        b.putInt(OFF_FIRST_DATA_BLOCK, (int) firstDataBlock);
        b.putInt(OFF_LOG_BLOCK_SIZE, logBlockSize);
        b.putInt(OFF_LOG_CLUSTER_SIZE, logClusterSize);
        b.putInt(OFF_BLOCKS_PER_GROUP, (int) blocksPerGroup);
        b.putInt(OFF_CLUSTERS_PER_GROUP, (int) clustersPerGroup);
        b.putInt(OFF_INODES_PER_GROUP, (int) inodesPerGroup);
        b.putInt(OFF_MTIME, (int) mountTime);
        b.putInt(OFF_WTIME, (int) writeTime);
        b.putShort(OFF_MAX_MNT_COUNT, (short) MAX_MNT_COUNT_NONE);
        b.putShort(OFF_MAGIC, (short) MAGIC);
        b.putShort(OFF_STATE, (short) state);
        b.putShort(OFF_ERRORS, (short) ERRORS_CONTINUE);
        b.putInt(OFF_LASTCHECK, (int) lastCheck);
        b.putInt(OFF_REV_LEVEL, revLevel);
        b.putInt(OFF_FIRST_INO, (int) firstIno);
        b.putShort(OFF_INODE_SIZE, (short) inodeSize);
        b.putShort(OFF_BLOCK_GROUP_NR, (short) blockGroupNr);
        b.putInt(OFF_FEATURE_COMPAT, features.compat());
        b.putInt(OFF_FEATURE_INCOMPAT, features.incompat());
        b.putInt(OFF_FEATURE_RO_COMPAT, features.roCompat());
        System.arraycopy(uuid, 0, raw, OFF_UUID, UUID_BYTES);
        byte[] name = volumeName.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, raw, OFF_VOLUME_NAME, Math.min(VOLUME_NAME_BYTES, name.length));
        b.putShort(OFF_RESERVED_GDT_BLOCKS, (short) reservedGdtBlocks);
        b.putInt(OFF_JOURNAL_INUM, (int) journalInode);
        for (int i = 0; i < HASH_SEED_WORDS; i++) {
            b.putInt(OFF_HASH_SEED + 4 * i, (int) hashSeed[i]);
        }
        raw[OFF_DEF_HASH_VERSION] = (byte) defHashVersion;
        raw[OFF_JNL_BACKUP_TYPE] = (byte) journalBackupType;
        b.putShort(OFF_DESC_SIZE, (short) descSize);
        b.putInt(OFF_DEFAULT_MOUNT_OPTS, defaultMountOpts);
        b.putInt(OFF_MKFS_TIME, (int) mkfsTime);
        for (int i = 0; i < JNL_BLOCKS_WORDS; i++) {
            b.putInt(OFF_JNL_BLOCKS + 4 * i, journalBlocks[i]);
        }
        if (features.is64bit()) {
            b.putInt(OFF_BLOCKS_COUNT_HI, (int) (blocksCount >>> 32));
            b.putInt(OFF_R_BLOCKS_COUNT_HI, (int) (reservedBlocksCount >>> 32));
            b.putInt(OFF_FREE_BLOCKS_COUNT_HI, (int) (freeBlocksCount >>> 32));
        }
        b.putShort(OFF_MIN_EXTRA_ISIZE, (short) minExtraIsize);
        b.putShort(OFF_WANT_EXTRA_ISIZE, (short) wantExtraIsize);
        b.putInt(OFF_FLAGS, flags);
        raw[OFF_LOG_GROUPS_PER_FLEX] = (byte) logGroupsPerFlex;
        raw[OFF_CHECKSUM_TYPE] = (byte) checksumType;
        b.putInt(OFF_CHECKSUM_SEED, checksumSeed);
        if (features.metadataCsum()) {
            setChecksum(raw);
        }
        return raw;
    }

    /** This superblock as stored in the backup of group {@code group}. */
    public Superblock forGroup(int group) {
        return toBuilder().blockGroupNr(group).build();
    }

    /** Stores the checksum of an encoded superblock (e2fsprogs' ext2fs_superblock_csum_set). */
    static void setChecksum(byte[] raw) {
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putInt(OFF_CHECKSUM, checksum(raw));
    }

    /** Whether the stored checksum is right (e2fsprogs' ext2fs_superblock_csum_verify). */
    static boolean checksumMatches(byte[] raw) {
        return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(OFF_CHECKSUM) == checksum(raw);
    }

    /** CRC-32C of everything before s_checksum, from ~0 and not the filesystem's seed, which the superblock holds. */
    private static int checksum(byte[] raw) {
        return Crc32c.update(~0, raw, 0, OFF_CHECKSUM);
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    private static int u16(ByteBuffer b, int off) {
        return b.getShort(off) & 0xFFFF;
    }

    /** The high word of a block count: without 64bit the _hi fields are not the count's, whatever they hold. */
    private static long hi(ByteBuffer b, boolean is64, int off) {
        return is64 ? u32(b, off) << 32 : 0;
    }

    private static String cString(byte[] raw, int off, int max) {
        int end = off;
        while (end < off + max && raw[end] != 0) {
            end++;
        }
        return new String(raw, off, end - off, StandardCharsets.UTF_8);
    }

    /** Fields by name, each setter named as the accessor it feeds. */
    static final class Builder {
        private long inodesCount;
        private long blocksCount;
        private long reservedBlocksCount;
        private long freeBlocksCount;
        private long freeInodesCount;
        private long firstDataBlock;
        private int logBlockSize;
        private int logClusterSize;
        private long blocksPerGroup;
        private long clustersPerGroup;
        private long inodesPerGroup;
        private long mountTime;
        private long writeTime;
        private int state;
        private long lastCheck;
        private int revLevel;
        private long firstIno;
        private int inodeSize;
        private int blockGroupNr;
        private Features features = new Features(0, 0, 0);
        private byte[] uuid = new byte[UUID_BYTES];
        private String volumeName = "";
        private int reservedGdtBlocks;
        private long journalInode;
        private long[] hashSeed = new long[HASH_SEED_WORDS];
        private int defHashVersion;
        private int journalBackupType;
        private int descSize;
        private int defaultMountOpts;
        private long mkfsTime;
        private int[] journalBlocks = new int[JNL_BLOCKS_WORDS];
        private int minExtraIsize;
        private int wantExtraIsize;
        private int flags;
        private int logGroupsPerFlex;
        private int checksumType;
        private int checksumSeed;

        private Builder() {
        }

        Superblock build() {
            return new Superblock(this);
        }

        Builder inodesCount(long v) {
            inodesCount = v;
            return this;
        }

        Builder blocksCount(long v) {
            blocksCount = v;
            return this;
        }

        Builder reservedBlocksCount(long v) {
            reservedBlocksCount = v;
            return this;
        }

        Builder freeBlocksCount(long v) {
            freeBlocksCount = v;
            return this;
        }

        Builder freeInodesCount(long v) {
            freeInodesCount = v;
            return this;
        }

        Builder firstDataBlock(long v) {
            firstDataBlock = v;
            return this;
        }

        Builder logBlockSize(int v) {
            logBlockSize = v;
            return this;
        }

        Builder logClusterSize(int v) {
            logClusterSize = v;
            return this;
        }

        Builder blocksPerGroup(long v) {
            blocksPerGroup = v;
            return this;
        }

        Builder clustersPerGroup(long v) {
            clustersPerGroup = v;
            return this;
        }

        Builder inodesPerGroup(long v) {
            inodesPerGroup = v;
            return this;
        }

        Builder mountTime(long v) {
            mountTime = v;
            return this;
        }

        Builder writeTime(long v) {
            writeTime = v;
            return this;
        }

        Builder state(int v) {
            state = v;
            return this;
        }

        Builder lastCheck(long v) {
            lastCheck = v;
            return this;
        }

        Builder revLevel(int v) {
            revLevel = v;
            return this;
        }

        Builder firstIno(long v) {
            firstIno = v;
            return this;
        }

        Builder inodeSize(int v) {
            inodeSize = v;
            return this;
        }

        Builder blockGroupNr(int v) {
            blockGroupNr = v;
            return this;
        }

        Builder features(Features v) {
            features = Objects.requireNonNull(v);
            return this;
        }

        Builder uuid(byte[] v) {
            uuid = sized(v.clone(), v.length, UUID_BYTES, "uuid bytes");
            return this;
        }

        Builder volumeName(String v) {
            volumeName = Objects.requireNonNull(v);
            return this;
        }

        Builder reservedGdtBlocks(int v) {
            reservedGdtBlocks = v;
            return this;
        }

        Builder journalInode(long v) {
            journalInode = v;
            return this;
        }

        Builder hashSeed(long[] v) {
            hashSeed = sized(v.clone(), v.length, HASH_SEED_WORDS, "hash seed words");
            return this;
        }

        Builder defHashVersion(int v) {
            defHashVersion = v;
            return this;
        }

        Builder journalBackupType(int v) {
            journalBackupType = v;
            return this;
        }

        Builder descSize(int v) {
            descSize = v;
            return this;
        }

        Builder defaultMountOpts(int v) {
            defaultMountOpts = v;
            return this;
        }

        Builder mkfsTime(long v) {
            mkfsTime = v;
            return this;
        }

        Builder journalBlocks(int[] v) {
            journalBlocks = sized(v.clone(), v.length, JNL_BLOCKS_WORDS, "journal backup words");
            return this;
        }

        Builder minExtraIsize(int v) {
            minExtraIsize = v;
            return this;
        }

        Builder wantExtraIsize(int v) {
            wantExtraIsize = v;
            return this;
        }

        Builder flags(int v) {
            flags = v;
            return this;
        }

        Builder logGroupsPerFlex(int v) {
            logGroupsPerFlex = v;
            return this;
        }

        Builder checksumType(int v) {
            checksumType = v;
            return this;
        }

        Builder checksumSeed(int v) {
            checksumSeed = v;
            return this;
        }

        /** Arrays fill fixed-size fields: a wrong length is refused here rather than cut short or failing in encode(). */
        private static <T> T sized(T copy, int length, int want, String what) {
            if (length != want) {
                throw new IllegalArgumentException("superblock takes " + want + " " + what + ", not " + length);
            }
            return copy;
        }
    }
}
