package walt.vpn.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.tree.InvalidDataException;

/**
 * The MBR sector: boot code (left zero: the Raspberry Pi firmware does not run it), the 32-bit
 * disk signature at byte 440, four primary entries at 446 and the 0x55AA marker at 510.
 * Linux names partitions of such a disk {@code PARTUUID=<signature as 8 hex digits>-<NN>}.
 */
public record MbrPartitionTable(int diskSignature, List<MbrEntry> entries) {

    public static final int SECTOR = 512;
    private static final int SIGNATURE_OFFSET = 440;
    private static final int ENTRIES_OFFSET = 446;
    private static final int TYPE_GPT_PROTECTIVE = 0xEE;

    public MbrPartitionTable {
        if (entries.size() != 4) {
            throw new IllegalArgumentException("an MBR has exactly 4 primary entries, got " + entries.size());
        }
        entries = List.copyOf(entries);
    }

    /** The entry of partition {@code number} (1 to 4). */
    public MbrEntry entry(int number) {
        if (number < 1 || number > 4) {
            throw new IllegalArgumentException("MBR partition number must be 1 to 4: " + number);
        }
        return entries.get(number - 1);
    }

    /** As {@code blkid} reports it: lowercase, e.g. {@code 1a2b3c4d-02}. */
    public String partUuid(int number) {
        entry(number);
        return String.format("%08x-%02d", diskSignature, number);
    }

    /** As {@code blkid -s PTUUID} reports the disk: 8 lowercase hex digits. */
    public String diskId() {
        return String.format("%08x", diskSignature);
    }

    public byte[] toSector() {
        byte[] s = new byte[SECTOR];
        MbrEntry.putLe32(s, SIGNATURE_OFFSET, Integer.toUnsignedLong(diskSignature));
        for (int i = 0; i < 4; i++) {
            entries.get(i).encode(s, ENTRIES_OFFSET + i * MbrEntry.SIZE);
        }
        s[510] = 0x55;
        s[511] = (byte) 0xAA;
        return s;
    }

    public void write(Storage disk) throws IOException {
        check(disk.size());
        disk.write(0, ByteBuffer.wrap(toSector()));
    }

    /** Reads and validates the MBR of {@code disk}. */
    public static MbrPartitionTable read(Storage disk) throws IOException {
        if (disk.size() < SECTOR) {
            throw new InvalidDataException("image too small for an MBR: " + disk.size() + " bytes");
        }
        return parse(disk.readBytes(0, SECTOR), disk.size());
    }

    static MbrPartitionTable parse(byte[] s, long diskSize) throws InvalidDataException {
        if ((s[510] & 0xFF) != 0x55 || (s[511] & 0xFF) != 0xAA) {
            throw new InvalidDataException("no MBR: sector 0 does not end with 0x55AA");
        }
        List<MbrEntry> entries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int off = ENTRIES_OFFSET + i * MbrEntry.SIZE;
            int status = s[off] & 0xFF;
            if (status != 0 && status != 0x80) {
                throw new InvalidDataException("MBR partition " + (i + 1) + ": bad status byte 0x" + Integer.toHexString(status));
            }
            entries.add(MbrEntry.decode(s, off));
        }
        for (MbrEntry e : entries) {
            if (e.type() == TYPE_GPT_PROTECTIVE) {
                throw new InvalidDataException("the image has a GPT partition table, which is not supported (MBR only)");
            }
        }
        MbrPartitionTable t = new MbrPartitionTable((int) MbrEntry.le32(s, SIGNATURE_OFFSET), entries);
        t.check(diskSize);
        return t;
    }

    /** Every used entry inside the disk, after the MBR sector, and no two overlapping. */
    void check(long diskSize) throws InvalidDataException {
        long sectors = diskSize / SECTOR;
        for (int i = 0; i < 4; i++) {
            MbrEntry e = entries.get(i);
            if (e.isEmpty()) {
                continue;
            }
            if (e.startLba() < 1 || e.endLba() > sectors) {
                throw new InvalidDataException("MBR partition " + (i + 1) + " (sectors " + e.startLba() + "-" + (e.endLba() - 1)
                        + ") lies outside the image of " + sectors + " sectors");
            }
            for (int j = 0; j < i; j++) {
                MbrEntry o = entries.get(j);
                if (!o.isEmpty() && e.startLba() < o.endLba() && o.startLba() < e.endLba()) {
                    throw new InvalidDataException("MBR partitions " + (j + 1) + " and " + (i + 1) + " overlap");
                }
            }
        }
    }
}
