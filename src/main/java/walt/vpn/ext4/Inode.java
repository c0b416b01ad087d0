package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import walt.vpn.tree.Timestamp;

/**
 * An inode as stored in the inode table: 128 bytes of the original layout, then (in larger
 * inodes) {@code extraIsize} bytes of extra fields and the in-inode xattr area.
 *
 * @param blocks     512-byte sectors allocated (data, extent tree and xattr blocks)
 * @param iBlock     the 60-byte i_block area: extent root, block map, symlink target or device number
 * @param xattrArea  the bytes after the extra fields (in-inode extended attributes), or empty
 */
public record Inode(int mode, long uid, long gid, long size, Timestamp atime, Timestamp ctime, Timestamp mtime,
                    Timestamp crtime, long dtime, int linksCount, long blocks, int flags, byte[] iBlock, long generation,
                    long fileAcl, int extraIsize, byte[] xattrArea) {

    public static final int FLAG_INDEX = 0x1000;
    public static final int FLAG_HUGE_FILE = 0x40000;
    public static final int FLAG_EXTENTS = 0x80000;
    public static final int FLAG_EA_INODE = 0x200000;
    public static final int FLAG_INLINE_DATA = 0x10000000;

    public static final int GOOD_OLD_SIZE = 128;
    private static final int OFF_GENERATION = 0x64;
    private static final int OFF_CHECKSUM_LO = 0x7C;
    private static final int OFF_EXTRA_ISIZE = 0x80;
    private static final int OFF_CHECKSUM_HI = 0x82;
    /** The extra size from which i_checksum_hi is inside the inode. */
    private static final int EXTRA_WITH_CHECKSUM_HI = 4;
    public static final int I_BLOCK_SIZE = 60;

    public static Inode decode(byte[] raw, int inodeSize) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int extra = 0;
        if (inodeSize > GOOD_OLD_SIZE) {
            extra = b.getShort(OFF_EXTRA_ISIZE) & 0xFFFF;
            if (extra > inodeSize - GOOD_OLD_SIZE || (extra & 3) != 0) {
                extra = 0; // nonsense extra size: ignore the extra fields rather than read garbage
            }
        }
        boolean hasExtraTimes = extra >= 0x18; // up to i_crtime_extra
        Timestamp ctime = time(b.getInt(0x0C), extra >= 8 ? b.getInt(0x84) : 0);
        Timestamp mtime = time(b.getInt(0x10), extra >= 12 ? b.getInt(0x88) : 0);
        Timestamp atime = time(b.getInt(0x08), extra >= 16 ? b.getInt(0x8C) : 0);
        Timestamp crtime = hasExtraTimes ? time(b.getInt(0x90), b.getInt(0x94)) : ctime;
        long blocks = (b.getInt(0x1C) & 0xFFFFFFFFL) | ((long) (b.getShort(0x74) & 0xFFFF) << 32);
        int flags = b.getInt(0x20);
        int xattrStart = GOOD_OLD_SIZE + extra;
        byte[] xattrs = inodeSize > GOOD_OLD_SIZE && extra > 0 ? Arrays.copyOfRange(raw, xattrStart, inodeSize) : new byte[0];
        return new Inode(b.getShort(0) & 0xFFFF,
                (b.getShort(0x02) & 0xFFFF) | ((long) (b.getShort(0x78) & 0xFFFF) << 16),
                (b.getShort(0x18) & 0xFFFF) | ((long) (b.getShort(0x7A) & 0xFFFF) << 16),
                (b.getInt(0x04) & 0xFFFFFFFFL) | ((long) b.getInt(0x6C) << 32),
                atime, ctime, mtime, crtime, b.getInt(0x14) & 0xFFFFFFFFL, b.getShort(0x1A) & 0xFFFF, blocks, flags,
                Arrays.copyOfRange(raw, 0x28, 0x28 + I_BLOCK_SIZE), b.getInt(0x64) & 0xFFFFFFFFL,
                (b.getInt(0x68) & 0xFFFFFFFFL) | ((long) (b.getShort(0x76) & 0xFFFF) << 32), extra, xattrs);
    }

    /** Encodes a full inode of {@code inodeSize} bytes with its metadata_csum checksum. */
    public byte[] encode(int inodeSize, int csumSeed, long inodeNumber, boolean checksum) {
        byte[] raw = new byte[inodeSize];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0x00, (short) mode);
        b.putShort(0x02, (short) uid);
        b.putInt(0x04, (int) size);
        b.putInt(0x08, (int) atime.seconds());
        b.putInt(0x0C, (int) ctime.seconds());
        b.putInt(0x10, (int) mtime.seconds());
        b.putInt(0x14, (int) dtime);
        b.putShort(0x18, (short) gid);
        b.putShort(0x1A, (short) linksCount);
        b.putInt(0x1C, (int) blocks);
        b.putInt(0x20, flags);
        System.arraycopy(iBlock, 0, raw, 0x28, I_BLOCK_SIZE);
        b.putInt(0x64, (int) generation);
        b.putInt(0x68, (int) fileAcl);
        b.putInt(0x6C, (int) (size >>> 32));
        b.putShort(0x74, (short) (blocks >>> 32));
        b.putShort(0x76, (short) (fileAcl >>> 32));
        b.putShort(0x78, (short) (uid >>> 16));
        b.putShort(0x7A, (short) (gid >>> 16));
        if (inodeSize > GOOD_OLD_SIZE) {
            b.putShort(OFF_EXTRA_ISIZE, (short) extraIsize);
            if (extraIsize >= 0x18) {
                b.putInt(0x84, extra(ctime));
                b.putInt(0x88, extra(mtime));
                b.putInt(0x8C, extra(atime));
                b.putInt(0x90, (int) crtime.seconds());
                b.putInt(0x94, extra(crtime));
            }
            System.arraycopy(xattrArea, 0, raw, GOOD_OLD_SIZE + extraIsize,
                    Math.min(xattrArea.length, inodeSize - GOOD_OLD_SIZE - extraIsize));
        }
        if (checksum) {
            int crc = checksum(raw, inodeSize, csumSeed, inodeNumber, generation);
            b.putShort(OFF_CHECKSUM_LO, (short) crc);
            if (hasChecksumHi(b, inodeSize)) {
                b.putShort(OFF_CHECKSUM_HI, (short) (crc >>> 16));
            }
        }
        return raw;
    }

    /** The per-inode seed that extent blocks and directory blocks of this inode are checksummed with. */
    public static int inodeSeed(int csumSeed, long inodeNumber, long generation) {
        return Crc32c.updateInt(Crc32c.updateInt(csumSeed, (int) inodeNumber), (int) generation);
    }

    static int checksum(byte[] raw, int inodeSize, int csumSeed, long inodeNumber, long generation) {
        byte[] copy = raw.clone();
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(OFF_CHECKSUM_LO, (short) 0);
        boolean hasHi = hasChecksumHi(b, inodeSize);
        if (hasHi) {
            b.putShort(OFF_CHECKSUM_HI, (short) 0);
        }
        int crc = Crc32c.update(inodeSeed(csumSeed, inodeNumber, generation), copy, 0, inodeSize);
        return hasHi ? crc : crc & 0xFFFF;
    }

    /** Whether the raw inode {@code ino} (metadata_csum) holds the checksum of its bytes. */
    static boolean checksumMatches(byte[] raw, int inodeSize, int csumSeed, long ino) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int lo = b.getShort(OFF_CHECKSUM_LO) & 0xFFFF;
        int stored = hasChecksumHi(b, inodeSize) ? lo | (b.getShort(OFF_CHECKSUM_HI) & 0xFFFF) << 16 : lo;
        return stored == checksum(raw, inodeSize, csumSeed, ino, b.getInt(OFF_GENERATION) & 0xFFFFFFFFL);
    }

    /** Whether the inode's extra fields reach i_checksum_hi: else its checksum is 16 bits. */
    private static boolean hasChecksumHi(ByteBuffer raw, int inodeSize) {
        return inodeSize > GOOD_OLD_SIZE && (raw.getShort(OFF_EXTRA_ISIZE) & 0xFFFF) >= EXTRA_WITH_CHECKSUM_HI;
    }

    /** ext4's extra time word: two epoch bits extending the 32-bit seconds, then nanoseconds. */
    static int extra(Timestamp t) {
        long epochBits = ((t.seconds() - (int) t.seconds()) >> 32) & 3;
        return (int) (epochBits | ((long) t.nanos() << 2));
    }

    static Timestamp time(int seconds, int extra) {
        long s = seconds + ((long) (extra & 3) << 32);
        int nanos = extra >>> 2;
        return new Timestamp(s, nanos > 999_999_999 ? 0 : nanos);
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }
}
