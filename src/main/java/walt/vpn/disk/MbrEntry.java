package walt.vpn.disk;

/**
 * One of the four 16-byte primary partition entries of an MBR (at byte 446 + 16*i): status,
 * CHS start, type, CHS end, LBA start, sector count. CHS fields are derived from the LBA with
 * the 255-head, 63-sector geometry sfdisk uses for image files, and saturate to 1023/254/63
 * beyond the 8 GiB that CHS can address, as every modern tool writes them.
 */
public record MbrEntry(boolean bootable, int type, long startLba, long sectorCount) {

    public static final int SIZE = 16;
    public static final int TYPE_EMPTY = 0x00;
    public static final int TYPE_FAT32_LBA = 0x0C;
    public static final int TYPE_LINUX = 0x83;
    public static final MbrEntry EMPTY = new MbrEntry(false, TYPE_EMPTY, 0, 0);

    private static final int HEADS = 255;
    private static final int SECTORS = 63;

    public MbrEntry {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("partition type out of range: " + type);
        }
        if (startLba < 0 || startLba > 0xFFFFFFFFL || sectorCount < 0 || sectorCount > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("partition beyond the 2 TiB an MBR can address: " + startLba + "+" + sectorCount);
        }
    }

    public boolean isEmpty() {
        return type == TYPE_EMPTY || sectorCount == 0;
    }

    public long endLba() {
        return startLba + sectorCount;
    }

    void encode(byte[] sector, int off) {
        if (isEmpty()) {
            java.util.Arrays.fill(sector, off, off + SIZE, (byte) 0);
            return;
        }
        sector[off] = (byte) (bootable ? 0x80 : 0x00);
        chs(sector, off + 1, startLba);
        sector[off + 4] = (byte) type;
        chs(sector, off + 5, endLba() - 1);
        putLe32(sector, off + 8, startLba);
        putLe32(sector, off + 12, sectorCount);
    }

    /** Decodes an entry; the status byte is checked by the table, which knows the context. */
    static MbrEntry decode(byte[] sector, int off) {
        int type = sector[off + 4] & 0xFF;
        long start = le32(sector, off + 8);
        long count = le32(sector, off + 12);
        if (type == TYPE_EMPTY && start == 0 && count == 0) {
            return EMPTY;
        }
        return new MbrEntry((sector[off] & 0xFF) == 0x80, type, start, count);
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
