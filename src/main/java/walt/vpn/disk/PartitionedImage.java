package walt.vpn.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.tree.InvalidDataException;

/**
 * A disk image with an MBR: its partitions, and the storage of each for the filesystem
 * readers and writers ({@code IMAGE@2} on the command line is {@code partition(2)}).
 */
public final class PartitionedImage implements Closeable {

    /** One used MBR entry, in bytes. */
    public record Partition(int number, int type, boolean bootable, long start, long size, String partUuid) {
    }

    private final Storage disk;
    private final MbrPartitionTable table;

    PartitionedImage(Storage disk, MbrPartitionTable table) {
        this.disk = disk;
        this.table = table;
    }

    /** Reads and validates the MBR of {@code disk}; closing the result closes {@code disk}. */
    public static PartitionedImage open(Storage disk) throws IOException {
        return new PartitionedImage(disk, MbrPartitionTable.read(disk));
    }

    /**
     * Whether sector 0 is meant as an MBR rather than the first sector of a bare filesystem.
     * A FAT or NTFS boot sector also ends with 0x55AA, so it is told apart by its BIOS
     * parameter block (jump instruction, a power-of-two sector size, a filesystem name), and an
     * ext2/3/4 volume by its superblock magic at byte 1080. A disk that passes this but whose
     * entries are broken is a broken MBR: {@link #open} reports it.
     */
    public static boolean hasMbr(Storage disk) throws IOException {
        if (disk.size() < MbrPartitionTable.SECTOR) {
            return false;
        }
        byte[] s = disk.readBytes(0, MbrPartitionTable.SECTOR);
        if ((s[510] & 0xFF) != 0x55 || (s[511] & 0xFF) != 0xAA) {
            return false;
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

    public MbrPartitionTable table() {
        return table;
    }

    public Storage disk() {
        return disk;
    }

    public List<Partition> partitions() {
        List<Partition> out = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            MbrEntry e = table.entry(n);
            if (!e.isEmpty()) {
                out.add(new Partition(n, e.type(), e.bootable(), e.startLba() * MbrPartitionTable.SECTOR,
                        e.sectorCount() * MbrPartitionTable.SECTOR, table.partUuid(n)));
            }
        }
        return out;
    }

    /** The storage of partition {@code number}; an unused or impossible number is an error. */
    public Storage partition(int number) throws InvalidDataException {
        if (number < 1 || number > 4 || table.entry(number).isEmpty()) {
            throw new InvalidDataException("no partition " + number + " in this image (partitions: "
                    + partitions().stream().map(p -> Integer.toString(p.number())).toList() + ")");
        }
        MbrEntry e = table.entry(number);
        return disk.slice(e.startLba() * MbrPartitionTable.SECTOR, e.sectorCount() * MbrPartitionTable.SECTOR);
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }
}
