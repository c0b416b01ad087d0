package walt.vpn.tree;

/** The POSIX file types, each with its S_IFMT bits as stored in inode modes and tar headers. */
public enum FileType {
    FIFO(0010000),
    CHAR_DEVICE(0020000),
    DIRECTORY(0040000),
    BLOCK_DEVICE(0060000),
    REGULAR(0100000),
    SYMLINK(0120000),
    SOCKET(0140000);

    public static final int FORMAT_MASK = 0170000;
    /** values() copies its array at every call: once per file of a large tree. */
    private static final FileType[] ALL = values();

    private final int formatBits;

    FileType(int formatBits) {
        this.formatBits = formatBits;
    }

    public int formatBits() {
        return formatBits;
    }

    /** The type encoded in a full mode word, or null when the format bits name no type. */
    public static FileType ofMode(int mode) {
        int bits = mode & FORMAT_MASK;
        for (FileType t : ALL) {
            if (t.formatBits == bits) {
                return t;
            }
        }
        return null;
    }
}
