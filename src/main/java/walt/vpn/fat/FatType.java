package walt.vpn.fat;

/** The FAT variants this package handles; the entry width is what tells them apart on disk. */
public enum FatType {
    FAT16(2, 0xFFF8, 0xFFFF, 0xFFF7),
    FAT32(4, 0x0FFFFFF8, 0x0FFFFFFF, 0x0FFFFFF7);

    private final int entryBytes;
    private final int endOfChainMin;
    private final int endOfChain;
    private final int bad;

    FatType(int entryBytes, int endOfChainMin, int endOfChain, int bad) {
        this.entryBytes = entryBytes;
        this.endOfChainMin = endOfChainMin;
        this.endOfChain = endOfChain;
        this.bad = bad;
    }

    public int entryBytes() {
        return entryBytes;
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

    /** Lower-case name as blkid and FilesystemSummary spell it. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
