package walt.vpn.disk;

import java.io.Closeable;
import java.io.IOException;
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

    /** Whether {@code disk} starts with an MBR: {@link MbrPartitionTable#looksLikeMbr}. */
    public static boolean hasMbr(Storage disk) throws IOException {
        return MbrPartitionTable.looksLikeMbr(disk);
    }

    public MbrPartitionTable table() {
        return table;
    }

    public Storage disk() {
        return disk;
    }

    public List<Partition> partitions() {
        List<Partition> out = new ArrayList<>();
        for (MbrPartitionEntry e : table.entries()) {
            out.add(new Partition(e.number(), e.type(), e.bootable(), e.startBytes(), e.sizeBytes(), table.partUuid(e.number())));
        }
        return out;
    }

    /** The storage of partition {@code number}; an unused or impossible number is an error. */
    public Storage partition(int number) throws InvalidDataException {
        return table.partitionStorage(disk, number);
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }
}
