package walt.vpn.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import walt.vpn.tree.InvalidDataException;

/**
 * The MBR sector: boot code (left zero: the Raspberry Pi firmware does not run it), the 32-bit
 * disk signature at byte 440, four primary entries at 446 and the 0x55AA marker at 510.
 * Linux names partitions of such a disk {@code PARTUUID=<signature as 8 hex digits>-<NN>}.
 * {@link #entries()} holds only the used slots, in partition number order.
 */
public record MbrPartitionTable(int diskSignature, List<MbrPartitionEntry> entries) {

    public static final int SECTOR = 512;
    private static final int SIGNATURE_OFFSET = 440;
    private static final int TYPE_GPT_PROTECTIVE = 0xEE;

    public MbrPartitionTable {
        entries = entries.stream().sorted(Comparator.comparingInt(MbrPartitionEntry::number)).toList();
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).number() == entries.get(i - 1).number()) {
                throw new IllegalArgumentException("two entries for MBR partition " + entries.get(i).number());
            }
        }
    }

    /** Partition {@code number}, if that slot is used. */
    public Optional<MbrPartitionEntry> find(int number) {
        return entries.stream().filter(e -> e.number() == number).findFirst();
    }

    /** Partition {@code number}, which the caller knows exists. */
    public MbrPartitionEntry entry(int number) {
        return find(number).orElseThrow(() -> new IllegalArgumentException("no MBR partition " + number));
    }

    /** As {@code blkid} reports it: lowercase, e.g. {@code 1a2b3c4d-02}. */
    public String partUuid(int number) {
        if (number < 1 || number > 4) {
            throw new IllegalArgumentException("MBR partition number must be 1 to 4: " + number);
        }
        return String.format("%08x-%02d", diskSignature, number);
    }

    /** As {@code blkid -s PTUUID} reports the disk: 8 lowercase hex digits. */
    public String diskId() {
        return String.format("%08x", diskSignature);
    }

    /**
     * The storage of partition {@code number} within {@code disk} ({@code IMAGE@N} on the
     * command line); a number the table does not use is bad input, named clearly.
     */
    public Storage partitionStorage(Storage disk, int number) throws InvalidDataException {
        Optional<MbrPartitionEntry> e = find(number);
        if (e.isEmpty()) {
            throw new InvalidDataException("no partition " + number + " in this image (partitions: "
                    + entries.stream().map(p -> Integer.toString(p.number())).toList() + ")");
        }
        return disk.slice(e.get().startBytes(), e.get().sizeBytes());
    }

    public byte[] toSector() {
        byte[] s = new byte[SECTOR];
        MbrPartitionEntry.putLe32(s, SIGNATURE_OFFSET, Integer.toUnsignedLong(diskSignature));
        for (MbrPartitionEntry e : entries) {
            e.encode(s);
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
        List<MbrPartitionEntry> entries = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            int status = s[MbrPartitionEntry.slotOffset(n)] & 0xFF;
            if (status != 0 && status != 0x80) {
                throw new InvalidDataException("MBR partition " + n + ": bad status byte 0x" + Integer.toHexString(status));
            }
            MbrPartitionEntry e = MbrPartitionEntry.decode(s, n);
            if (e != null) {
                if (e.type() == TYPE_GPT_PROTECTIVE) {
                    throw new InvalidDataException("the image has a GPT partition table, which is not supported (MBR only)");
                }
                entries.add(e);
            }
        }
        MbrPartitionTable t = new MbrPartitionTable((int) MbrPartitionEntry.le32(s, SIGNATURE_OFFSET), entries);
        t.check(diskSize);
        return t;
    }

    /** Every used entry inside the disk, after the MBR sector, and no two overlapping. */
    void check(long diskSize) throws InvalidDataException {
        long sectors = diskSize / SECTOR;
        for (int i = 0; i < entries.size(); i++) {
            MbrPartitionEntry e = entries.get(i);
            if (e.startLba() < 1 || e.endLba() > sectors) {
                throw new InvalidDataException("MBR partition " + e.number() + " (sectors " + e.startLba() + "-" + (e.endLba() - 1)
                        + ") lies outside the image of " + sectors + " sectors");
            }
            for (int j = 0; j < i; j++) {
                MbrPartitionEntry o = entries.get(j);
                if (e.startLba() < o.endLba() && o.startLba() < e.endLba()) {
                    throw new InvalidDataException("MBR partitions " + o.number() + " and " + e.number() + " overlap");
                }
            }
        }
    }

    /**
     * Whether sector 0 is meant as an MBR rather than the first sector of a bare filesystem.
     * A FAT or NTFS boot sector also ends with 0x55AA, so it is told apart by its BIOS
     * parameter block (jump instruction, a power-of-two sector size, a filesystem name), and an
     * ext2/3/4 volume by its superblock magic at byte 1080; the status bytes of all four slots
     * must be 0x00 or 0x80, as boot code or a BPB would rarely leave them. A disk that passes
     * this but whose entries are broken is a broken MBR: {@link #read} reports it.
     */
    public static boolean looksLikeMbr(Storage disk) throws IOException {
        if (disk.size() < SECTOR) {
            return false;
        }
        byte[] s = disk.readBytes(0, SECTOR);
        if ((s[510] & 0xFF) != 0x55 || (s[511] & 0xFF) != 0xAA) {
            return false;
        }
        for (int n = 1; n <= 4; n++) {
            int status = s[MbrPartitionEntry.slotOffset(n)] & 0xFF;
            if (status != 0 && status != 0x80) {
                return false;
            }
        }
        if (looksLikeBootSector(s)) {
            return false;
        }
        if (disk.size() >= 1082) {
            byte[] magic = disk.readBytes(1080, 2);
            if ((magic[0] & 0xFF) == 0x53 && (magic[1] & 0xFF) == 0xEF) {
                return false;
            }
        }
        return true;
    }

    private static boolean looksLikeBootSector(byte[] s) {
        int jump = s[0] & 0xFF;
        boolean jumps = (jump == 0xEB && (s[2] & 0xFF) == 0x90) || jump == 0xE9;
        if (!jumps) {
            return false;
        }
        int bytesPerSector = (s[11] & 0xFF) | (s[12] & 0xFF) << 8;
        int sectorsPerCluster = s[13] & 0xFF;
        boolean bpb = bytesPerSector >= 512 && bytesPerSector <= 4096 && Integer.bitCount(bytesPerSector) == 1
                && sectorsPerCluster != 0 && Integer.bitCount(sectorsPerCluster) == 1;
        String fat16 = new String(s, 0x36, 3, StandardCharsets.US_ASCII);
        String fat32 = new String(s, 0x52, 3, StandardCharsets.US_ASCII);
        String oem = new String(s, 3, 8, StandardCharsets.US_ASCII);
        // Boot loaders in an MBR (GRUB's boot.img starts EB 63 90) have no BPB and no name.
        return bpb || fat16.equals("FAT") || fat32.equals("FAT") || oem.startsWith("NTFS") || oem.startsWith("EXFAT");
    }
}
