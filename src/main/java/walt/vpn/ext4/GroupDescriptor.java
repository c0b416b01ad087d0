package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** One block group's descriptor: where its bitmaps and inode table are, and its free counts. */
public record GroupDescriptor(long blockBitmap, long inodeBitmap, long inodeTable, long freeBlocks, long freeInodes,
                              long usedDirs, int flags, long itableUnused, int blockBitmapCsum, int inodeBitmapCsum) {

    public static final int FLAG_INODE_UNINIT = 0x1;
    public static final int FLAG_BLOCK_UNINIT = 0x2;
    public static final int FLAG_ITABLE_ZEROED = 0x4;

    public static GroupDescriptor decode(ByteBuffer src, int offset, int descSize) {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        boolean wide = descSize >= 64;
        return new GroupDescriptor(
                u32(b, offset) | (wide ? u32(b, offset + 0x20) << 32 : 0),
                u32(b, offset + 0x04) | (wide ? u32(b, offset + 0x24) << 32 : 0),
                u32(b, offset + 0x08) | (wide ? u32(b, offset + 0x28) << 32 : 0),
                u16(b, offset + 0x0C) | (wide ? (long) u16(b, offset + 0x2C) << 16 : 0),
                u16(b, offset + 0x0E) | (wide ? (long) u16(b, offset + 0x2E) << 16 : 0),
                u16(b, offset + 0x10) | (wide ? (long) u16(b, offset + 0x30) << 16 : 0),
                u16(b, offset + 0x12),
                u16(b, offset + 0x1C) | (wide ? (long) u16(b, offset + 0x32) << 16 : 0),
                u16(b, offset + 0x18) | (wide ? u16(b, offset + 0x38) << 16 : 0),
                u16(b, offset + 0x1A) | (wide ? u16(b, offset + 0x3A) << 16 : 0));
    }

    /** Encodes into {@code dst} at {@code offset}, checksummed with metadata_csum's rule. */
    public void encode(ByteBuffer dst, int offset, int descSize, int csumSeed, int group) {
        ByteBuffer b = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(offset, (int) blockBitmap);
        b.putInt(offset + 0x04, (int) inodeBitmap);
        b.putInt(offset + 0x08, (int) inodeTable);
        b.putShort(offset + 0x0C, (short) freeBlocks);
        b.putShort(offset + 0x0E, (short) freeInodes);
        b.putShort(offset + 0x10, (short) usedDirs);
        b.putShort(offset + 0x12, (short) flags);
        b.putShort(offset + 0x18, (short) blockBitmapCsum);
        b.putShort(offset + 0x1A, (short) inodeBitmapCsum);
        b.putShort(offset + 0x1C, (short) itableUnused);
        if (descSize >= 64) {
            b.putInt(offset + 0x20, (int) (blockBitmap >>> 32));
            b.putInt(offset + 0x24, (int) (inodeBitmap >>> 32));
            b.putInt(offset + 0x28, (int) (inodeTable >>> 32));
            b.putShort(offset + 0x2C, (short) (freeBlocks >>> 16));
            b.putShort(offset + 0x2E, (short) (freeInodes >>> 16));
            b.putShort(offset + 0x30, (short) (usedDirs >>> 16));
            b.putShort(offset + 0x32, (short) (itableUnused >>> 16));
            b.putShort(offset + 0x38, (short) (blockBitmapCsum >>> 16));
            b.putShort(offset + 0x3A, (short) (inodeBitmapCsum >>> 16));
        }
        b.putShort(offset + 0x1E, (short) checksum(b, offset, descSize, csumSeed, group));
    }

    /** Where bg_block_bitmap_csum_hi ends: descriptors at least this long keep all 32 bits of it. */
    static final int BLOCK_BITMAP_CSUM_HI_END = 0x3A;
    /** Where bg_inode_bitmap_csum_hi ends. */
    static final int INODE_BITMAP_CSUM_HI_END = 0x3C;

    /**
     * A bitmap's checksum under metadata_csum (the kernel's ext4_*_bitmap_csum_set): crc32c of
     * its first {@code bits / 8} bytes, those that hold the group's clusters or inodes.
     */
    public static int bitmapChecksum(int csumSeed, byte[] bitmap, long bits) {
        return Crc32c.update(csumSeed, bitmap, 0, (int) (bits / 8));
    }

    /** The pair of {@link #bitmapChecksum}: a short descriptor keeps the low 16 bits only. */
    static boolean bitmapChecksumMatches(int stored, int computed, int descSize, int hiEnd) {
        return descSize >= hiEnd ? stored == computed : (stored & 0xFFFF) == (computed & 0xFFFF);
    }

    /** bg_checksum under metadata_csum: crc32c over group number and descriptor, checksum field as zero. */
    public static int checksum(ByteBuffer b, int offset, int descSize, int csumSeed, int group) {
        byte[] d = new byte[descSize];
        b.duplicate().position(offset).get(d);
        d[0x1E] = 0;
        d[0x1F] = 0;
        int crc = Crc32c.updateInt(csumSeed, group);
        return Crc32c.update(crc, d) & 0xFFFF;
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    private static int u16(ByteBuffer b, int off) {
        return b.getShort(off) & 0xFFFF;
    }
}
