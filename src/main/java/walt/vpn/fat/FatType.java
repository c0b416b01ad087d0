package walt.vpn.fat;

/** The FAT variants this package handles; the entry width is what tells them apart on disk. */
public enum FatType {
    FAT12(12, 0xFF8, 0xFFF, 0xFF7),
    FAT16(16, 0xFFF8, 0xFFFF, 0xFFF7),
    FAT32(32, 0x0FFFFFF8, 0x0FFFFFFF, 0x0FFFFFF7);

    private final int entryBits;
    private final int endOfChainMin;
    private final int endOfChain;
    private final int bad;

    FatType(int entryBits, int endOfChainMin, int endOfChain, int bad) {
        this.entryBits = entryBits;
        this.endOfChainMin = endOfChainMin;
        this.endOfChain = endOfChain;
        this.bad = bad;
    }

    int entryBits() {
        return entryBits;
    }

    /** How many entries a FAT of {@code fatBytes} bytes holds (FAT12 packs two entries in three bytes). */
    long entriesIn(long fatBytes) {
        return fatBytes * Byte.SIZE / entryBits;
    }

    /** The bytes that {@code entries} entries take, the last one rounded up to a whole byte. */
    long bytesFor(long entries) {
        return (entries * entryBits + Byte.SIZE - 1) / Byte.SIZE;
    }

    /** The value written to end a chain. */
    public int endOfChain() {
        return endOfChain;
    }

    public boolean isEndOfChain(int entry) {
        return entry >= endOfChainMin;
    }

    public int badCluster() {
        return bad;
    }

    /** Entry 0: the media byte in the low 8 bits, every other bit of the entry set. */
    int mediaEntry(int media) {
        return endOfChain & ~0xFF | media;
    }

    /** FAT12 and FAT16 keep the root directory in a fixed region before the data area. */
    boolean hasFixedRoot() {
        return this != FAT32;
    }

    /** Lower-case name as blkid and FilesystemSummary spell it. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
