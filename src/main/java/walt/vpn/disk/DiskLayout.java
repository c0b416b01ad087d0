package walt.vpn.disk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where partitions go on a new disk image: each starts on a 4 MiB boundary (the first at
 * 4 MiB, as Raspberry Pi OS images do, which also suits SD card erase blocks), sizes are
 * rounded up to whole sectors, and the image ends with the last partition, or at the next
 * power of two when QEMU's raspi machines need that. The disk signature, hence the PARTUUIDs,
 * comes from a seed so the same inputs give the same image.
 *
 * <pre>
 * DiskLayout layout = DiskLayout.seeded(seed)
 *         .add(MbrPartitionEntry.TYPE_FAT32_LBA, 256 &lt;&lt; 20, true)
 *         .add(MbrPartitionEntry.TYPE_LINUX, rootBytes, false);
 * try (AtomicOutput out = new AtomicOutput(target)) {
 *     try (PartitionedImage img = layout.create(out.tempPath())) {
 *         fatWriter.write(img.partition(1)); ext4Writer.write(img.partition(2));
 *         img.disk().flush();
 *     }
 *     out.commit();
 * }
 * </pre>
 */
public final class DiskLayout {

    public static final long ALIGNMENT = 4L << 20;

    private record Request(int type, long size, boolean bootable) {
    }

    private final int diskSignature;
    private final List<Request> requests = new ArrayList<>();
    private boolean powerOfTwo;

    private DiskLayout(int signature) {
        this.diskSignature = signature;
    }

    /** A layout whose disk signature is derived from {@code seed} (never zero). */
    public static DiskLayout seeded(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int sig;
        do {
            sig = r.nextInt();
        } while (sig == 0);
        return new DiskLayout(sig);
    }

    public static DiskLayout withSignature(int signature) {
        return new DiskLayout(signature);
    }

    public DiskLayout add(int type, long sizeBytes, boolean bootable) {
        if (requests.size() == 4) {
            throw new IllegalArgumentException("an MBR holds 4 primary partitions");
        }
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("partition size must be positive: " + sizeBytes);
        }
        requests.add(new Request(type, sizeBytes, bootable));
        return this;
    }

    /** Pads the image to the next power of two (QEMU's raspi3b wants SD images sized so). */
    public DiskLayout padToPowerOfTwo(boolean pad) {
        this.powerOfTwo = pad;
        return this;
    }

    public MbrPartitionTable table() {
        List<MbrPartitionEntry> entries = new ArrayList<>();
        long next = ALIGNMENT;
        for (Request r : requests) {
            long sectors = (r.size + MbrPartitionTable.SECTOR - 1) / MbrPartitionTable.SECTOR;
            long start = next / MbrPartitionTable.SECTOR;
            entries.add(new MbrPartitionEntry(entries.size() + 1, r.bootable, r.type, start, sectors));
            long end = (start + sectors) * MbrPartitionTable.SECTOR;
            next = (end + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }
        return new MbrPartitionTable(diskSignature, entries);
    }

    /** Bytes: the end of the last partition, a multiple of 512, padded if asked. */
    public long imageSize() {
        long end = ALIGNMENT;
        for (MbrPartitionEntry e : table().entries()) {
            end = Math.max(end, e.endLba() * MbrPartitionTable.SECTOR);
        }
        if (powerOfTwo) {
            end = Long.highestOneBit(end) == end ? end : Long.highestOneBit(end) << 1;
        }
        return end;
    }

    /**
     * Writes the MBR into {@code disk} (at least {@link #imageSize()} bytes, e.g. an
     * {@link ImageFile#createSparse} image) and returns the storage of each partition, in
     * the order they were added, for the filesystem writers to fill.
     */
    public List<Storage> writeTo(Storage disk) throws IOException {
        MbrPartitionTable t = table();
        if (disk.size() < imageSize()) {
            throw new IllegalArgumentException("disk of " + disk.size() + " bytes is smaller than the layout's " + imageSize());
        }
        t.write(disk);
        List<Storage> parts = new ArrayList<>();
        for (MbrPartitionEntry e : t.entries()) {
            parts.add(t.partitionStorage(disk, e.number()));
        }
        return parts;
    }

    /**
     * Creates the sparse image at {@code path} (normally an {@link AtomicOutput#tempPath()}),
     * writes the MBR and returns it opened for the filesystem writers.
     */
    public PartitionedImage create(Path path) throws IOException {
        MbrPartitionTable t = table();
        ImageFile img = ImageFile.createSparse(path, imageSize());
        try {
            t.write(img);
            return new PartitionedImage(img, t);
        } catch (IOException | RuntimeException e) {
            img.close();
            throw e;
        }
    }
}
