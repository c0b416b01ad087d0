package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import walt.vpn.tree.FileType;

/** A linked-list directory entry (ext4_dir_entry_2): inode, record length, name, file type. */
public record DirectoryEntry(long inode, int recLen, byte[] name, int fileType) {

    public static final int HEADER = 8;
    static final int OFF_REC_LEN = 4;
    /** The fake entry at the end of a checksummed leaf block holding its checksum. */
    public static final int TAIL_SIZE = 12;
    public static final int TAIL_FILE_TYPE = 0xDE;

    public static final int FT_UNKNOWN = 0;
    public static final int FT_REG = 1;
    public static final int FT_DIR = 2;
    public static final int FT_CHRDEV = 3;
    public static final int FT_BLKDEV = 4;
    public static final int FT_FIFO = 5;
    public static final int FT_SOCK = 6;
    public static final int FT_SYMLINK = 7;

    /** Bytes an entry with a name of {@code nameLen} bytes needs: header plus name, rounded to 4. */
    public static int size(int nameLen) {
        return (HEADER + nameLen + 3) & ~3;
    }

    public String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }

    public static int fileType(FileType t) {
        return switch (t) {
            case REGULAR -> FT_REG;
            case DIRECTORY -> FT_DIR;
            case CHAR_DEVICE -> FT_CHRDEV;
            case BLOCK_DEVICE -> FT_BLKDEV;
            case FIFO -> FT_FIFO;
            case SOCKET -> FT_SOCK;
            case SYMLINK -> FT_SYMLINK;
        };
    }

    public void encode(ByteBuffer b, int off) {
        b.putInt(off, (int) inode);
        b.putShort(off + 4, (short) recLen);
        b.put(off + 6, (byte) name.length);
        b.put(off + 7, (byte) fileType);
        b.put(off + HEADER, name);
    }

    /**
     * Decodes the entry at {@code off}; {@code withFileType} false means ext2 without the filetype
     * feature, where the name length is 16 bits. Returns null when the record length is impossible.
     */
    public static DirectoryEntry decode(ByteBuffer b, int off, int blockEnd, boolean withFileType) {
        if (off + HEADER > blockEnd) {
            return null;
        }
        int recLen = b.getShort(off + 4) & 0xFFFF;
        int nameLen = withFileType ? b.get(off + 6) & 0xFF : b.getShort(off + 6) & 0xFFFF;
        if (recLen < HEADER || (recLen & 3) != 0 || off + recLen > blockEnd || HEADER + nameLen > recLen) {
            return null;
        }
        byte[] name = new byte[nameLen];
        b.get(off + HEADER, name);
        return new DirectoryEntry(b.getInt(off) & 0xFFFFFFFFL, recLen, name, withFileType ? b.get(off + 7) & 0xFF : FT_UNKNOWN);
    }
}
