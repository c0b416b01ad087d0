package walt.vpn.image;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.MappedRange;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.fat.FatVolume;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Node;
import walt.vpn.tree.Timestamp;

/**
 * A site's card image: a sparse copy of the node base image whose boot partition gains a
 * folder of site files. Only that folder differs between sites; the base is never modified.
 * Times come from the base (its config.txt), so the same inputs give the same bytes.
 *
 * <p>The copy is nearly all of the work and needs only the base, so it starts at once on its
 * own thread ({@link #copyOf}); the caller renders the site meanwhile and then
 * {@link #complete}s the image. The boot partition is copied first: the site is written into it
 * while the copy goes on past it. Closing an image that was not completed stops the copy and
 * leaves nothing behind.
 */
public final class SiteImage implements AutoCloseable {

    /** The boot partition: the FAT one every Raspberry Pi card starts with. */
    static final int BOOT_PARTITION = 1;

    private final Path base;
    private final AtomicOutput out;
    private final Thread copier;
    /** The boot partition is copied (the image has its full size by then): it can be edited. */
    private final CompletableFuture<MappedRange> bootCopied = new CompletableFuture<>();
    private final CompletableFuture<Void> copied = new CompletableFuture<>();
    /** The base's data, from the block runs cached with it, read once; null when not cached. */
    private final List<MappedRange> baseRanges;
    /** The finished image's boot partition and size: set by {@link #complete}. */
    private MappedRange completedBoot;
    private long completedSize;

    private SiteImage(Path base, List<MappedRange> baseRanges, AtomicOutput out) {
        this.base = base;
        this.out = out;
        this.baseRanges = baseRanges;
        this.copier = new Thread(this::copy, "copy " + base.getFileName());
        copier.setDaemon(true);
    }

    /** Starts copying {@code base} to a temporary file beside {@code target}. */
    public static SiteImage copyOf(Path base, Path target) throws IOException {
        if (!Files.isRegularFile(base)) {
            throw new IllegalArgumentException("no such base image: " + base);
        }
        if (Files.exists(target) && Files.isSameFile(base, target)) {
            throw new IllegalArgumentException("the output would replace the base image: " + target);
        }
        List<MappedRange> baseRanges = NodeBaseCache.dataRanges(base);
        AtomicOutput out = new AtomicOutput(target);
        // Made here, not by the copy thread: a Ctrl-C that removes it before the thread opens it
        // then leaves nothing behind.
        Files.createFile(out.tempPath());
        SiteImage image = new SiteImage(base, baseRanges, out);
        image.copier.start();
        return image;
    }

    private void copy() {
        try {
            MappedRange boot = bootPartition();
            if (baseRanges != null) {
                SparseCopy.copy(base, out.tempPath(), baseRanges, boot.end(), () -> bootCopied.complete(boot));
            } else {
                SparseCopy.copy(base, out.tempPath());
                bootCopied.complete(boot);
            }
            copied.complete(null);
        } catch (Throwable e) {
            // Whatever stops the copy must reach complete(), which would wait forever otherwise.
            bootCopied.completeExceptionally(e);
            copied.completeExceptionally(e);
        }
    }

    /**
     * Writes {@code files} into the boot partition's {@code folder} once the copy has passed it,
     * waits for the rest of the copy, and puts the image in place.
     */
    public void complete(String folder, Map<String, byte[]> files) throws IOException {
        MappedRange boot = await(bootCopied);
        try (ImageFile img = ImageFile.openReadWrite(out.tempPath()); PartitionedImage disk = PartitionedImage.open(img)) {
            try (FatVolume fat = FatVolume.open(disk.partition(BOOT_PARTITION))) {
                FileTree tree = fat.readTree();
                Timestamp time = baseTime(tree);
                if (tree.lookup(folder) != null) {
                    // A base that already carries a site (an earlier setup-node output).
                    fat.delete(folder);
                }
                fat.mkdirs(folder, time);
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    fat.writeFile(folder + "/" + f.getKey(), new BytesContent(f.getValue()), time);
                }
            }
            completedSize = img.size();
        }
        await(copied);
        // No fsync: like cp, the copy is left to the page cache; flashing (dd conv=fsync,
        // bmaptool) is where durability matters.
        completedBoot = boot;
        out.commit();
    }

    /**
     * Where the completed image can hold anything but zeros, in offset order: the base's block
     * runs, which are all the copy wrote, and the boot partition, the only part the site
     * changes. A card writer reads these alone: the rest of the image is holes, whose reading
     * costs time for nothing (0.05 s per 4 MiB while the fresh copy is being written back).
     * The whole image when the base's runs are not known.
     */
    public List<MappedRange> dataRanges() {
        if (completedBoot == null) {
            throw new IllegalStateException("the image is not complete");
        }
        List<MappedRange> baseRanges = baseRanges();
        if (baseRanges == null) {
            return List.of(new MappedRange(0, completedSize));
        }
        List<MappedRange> ranges = new ArrayList<>(baseRanges);
        ranges.add(completedBoot);
        return MappedRange.union(ranges);
    }

    /** The base being copied. */
    public Path base() {
        return base;
    }

    /**
     * The base's data in bytes, from the block runs cached with it; null where they are not
     * known. Outside the boot partition they are the finished image's data too: a card can be
     * written from the base while the copy runs.
     */
    public List<MappedRange> baseRanges() {
        return baseRanges;
    }

    /** The boot partition's bytes: all that {@link #complete} changes. */
    public MappedRange bootPartition() throws IOException {
        try (PartitionedImage disk = PartitionedImage.open(ImageFile.openReadOnly(base))) {
            return boot(disk);
        }
    }

    private MappedRange boot(PartitionedImage disk) {
        if (disk.partitions().isEmpty() || disk.partitions().get(0).number() != BOOT_PARTITION) {
            throw new IllegalArgumentException(base + " has no boot partition (partition 1, FAT)");
        }
        PartitionedImage.Partition boot = disk.partitions().get(0);
        return new MappedRange(boot.start(), boot.size());
    }

    private <T> T await(CompletableFuture<T> step) throws IOException {
        try {
            return step.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying " + base);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    /** Stops the copy if it still runs (its channels close on interrupt) and removes an uncompleted image. */
    @Override
    public void close() {
        copier.interrupt();
        try {
            copier.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.close();
    }

    private static Timestamp baseTime(FileTree tree) {
        Node config = tree.lookup("config.txt");
        if (config == null) {
            throw new IllegalArgumentException("the base image's boot partition has no config.txt: not a Raspberry Pi card image");
        }
        return config.metadata().mtime();
    }
}
