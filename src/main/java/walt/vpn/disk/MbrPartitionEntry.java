package walt.vpn.disk;

/**
 * A used one of the four 16-byte primary partition entries of an MBR (partition
 * {@code number} 1-4 is at byte 446 + 16*(number-1)): status, CHS start, type, CHS end, LBA
 * start, sector count. Unused slots are all zeros on disk and have no object. CHS fields are derived from the LBA with
 * the 255-head, 63-sector geometry sfdisk uses for image files, and saturate to 1023/254/63
 * beyond the 8 GiB that CHS can address, as every modern tool writes them.
 */
public record MbrPartitionEntry(int number, boolean bootable, int type, long startLba, long sectorCount) {

    public static final int SIZE = 16;
    public static final int TYPE_EMPTY = 0x00;
    public static final int TYPE_FAT32_LBA = 0x0C;
    public static final int TYPE_LINUX = 0x83;

    private static final int HEADS = 255;
    private static final int SECTORS = 63;

    public MbrPartitionEntry {
        if (number < 1 || number > 4) {
            throw new IllegalArgumentException("MBR partition number must be 1 to 4: " + number);
        }
        if (type == TYPE_EMPTY || sectorCount == 0) {
            throw new IllegalArgumentException("partition " + number + " would be an unused slot: type " + type + ", " + sectorCount + " sectors");
        }
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("partition type out of range: " + type);
        }
        if (startLba < 0 || startLba > 0xFFFFFFFFL || sectorCount < 0 || sectorCount > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("partition beyond the 2 TiB an MBR can address: " + startLba + "+" + sectorCount);
        }
    }

    public long endLba() {
        return startLba + sectorCount;
    }

    public long startBytes() {
        return startLba * MbrPartitionTable.SECTOR;
    }

    public long sizeBytes() {
        return sectorCount * MbrPartitionTable.SECTOR;
    }

    /** Writes this entry into its slot of the MBR {@code sector}. */
    void encode(byte[] sector) {
        int off = slotOffset(number);
        sector[off] = (byte) (bootable ? 0x80 : 0x00);
        chs(sector, off + 1, startLba);
        sector[off + 4] = (byte) type;
        chs(sector, off + 5, endLba() - 1);
        putLe32(sector, off + 8, startLba);
        putLe32(sector, off + 12, sectorCount);
    }

    static int slotOffset(int number) {
        return 446 + (number - 1) * SIZE;
    }

    /**
     * Decodes slot {@code number}, or null when unused (type 0 or no sectors: Linux and
     * fdisk skip those too); the status byte is checked by the table, which knows the context.
     */
    static MbrPartitionEntry decode(byte[] sector, int number) {
        int off = slotOffset(number);
        int type = sector[off + 4] & 0xFF;
        long start = le32(sector, off + 8);
        long count = le32(sector, off + 12);
        if (type == TYPE_EMPTY || count == 0) {
            return null;
        }
        return new MbrPartitionEntry(number, (sector[off] & 0xFF) == 0x80, type, start, count);
    }

    private static void chs(byte[] b, int off, long lba) {
        long cyl = lba / (HEADS * SECTORS);
        int head;
        int sec;
        if (cyl > 1023) {
            cyl = 1023;
            head = HEADS - 1;
            sec = SECTORS;
        } else {
            head = (int) (lba / SECTORS % HEADS);
            sec = (int) (lba % SECTORS) + 1;
        }
        b[off] = (byte) head;
        b[off + 1] = (byte) (sec | ((cyl >> 2) & 0xC0));
        b[off + 2] = (byte) cyl;
    }

    static long le32(byte[] b, int off) {
        return (b[off] & 0xFFL) | (b[off + 1] & 0xFFL) << 8 | (b[off + 2] & 0xFFL) << 16 | (b[off + 3] & 0xFFL) << 24;
    }

    static void putLe32(byte[] b, int off, long v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
