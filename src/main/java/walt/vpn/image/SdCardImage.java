package walt.vpn.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.disk.DiskLayout;
import walt.vpn.disk.MbrPartitionEntry;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.disk.Storage;
import walt.vpn.ext4.Ext4Options;
import walt.vpn.ext4.Ext4Writer;
import walt.vpn.fat.FatOptions;
import walt.vpn.fat.FatWriter;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Timestamp;

/**
 * The SD card of a Raspberry Pi as one image: an MBR, a FAT32 boot partition (firmware,
 * kernel, config.txt) and an ext4 root, as Raspberry Pi OS lays them out. Everything that
 * varies between builds (disk signature, volume id, filesystem UUIDs) comes from one seed, and
 * the PARTUUIDs are known before anything is written, so cmdline.txt and fstab can name them.
 *
 * @param seed         source of the disk signature and of the filesystems' ids
 * @param creationTime filesystem creation time (never the wall clock)
 * @param bootBytes    boot partition size, or 0 for {@link #MIN_BOOT_BYTES} or what the files need
 * @param rootBytes    root partition size, or 0 for the content plus the ext4 writer's headroom
 */
public record SdCardImage(long seed, Timestamp creationTime, long bootBytes, long rootBytes) {

    /** Room for two kernels and initramfs images: Debian keeps the old one during upgrades. */
    public static final long MIN_BOOT_BYTES = 256L << 20;
    public static final String BOOT_LABEL = "bootfs";
    public static final String ROOT_LABEL = "rootfs";

    public SdCardImage {
        if (bootBytes < 0 || rootBytes < 0) {
            throw new IllegalArgumentException("partition sizes must not be negative");
        }
    }

    /** {@code PARTUUID} of partition {@code number} (1 boot, 2 root) of every image made with this seed. */
    public String partUuid(int number) {
        return layout(MIN_BOOT_BYTES, MIN_BOOT_BYTES).table().partUuid(number);
    }

    /** Writes the image to {@code target}, atomically: the file appears only once complete. */
    public void write(FileTree boot, FileTree root, Path target) throws IOException {
        write(boot, root, target, n -> { });
    }

    /** The same, telling {@code written} the bytes as the filesystems are written. */
    public void write(FileTree boot, FileTree root, Path target, LongConsumer written) throws IOException {
        FatWriter fat = new FatWriter(FatOptions.defaults().withLabel(BOOT_LABEL.toUpperCase()).withSeed(seed ^ 0xB007).withCreationTime(creationTime));
        Ext4Writer ext4 = new Ext4Writer(Ext4Options.defaults().withLabel(ROOT_LABEL).withSeed(seed).withCreationTime(creationTime));
        long bootSize = bootBytes > 0 ? bootBytes : Math.max(MIN_BOOT_BYTES, fat.sizeFor(boot));
        long rootSize = rootBytes > 0 ? rootBytes : ext4.sizeFor(root);
        DiskLayout layout = layout(bootSize, rootSize);
        try (AtomicOutput out = new AtomicOutput(target)) {
            try (PartitionedImage img = layout.create(out.tempPath())) {
                List<PartitionedImage.Partition> parts = img.partitions();
                Storage bootPart = new ProgressStorage(img.partition(parts.get(0).number()), written);
                Storage rootPart = new ProgressStorage(img.partition(parts.get(1).number()), written);
                // The image is forced at the end: the disk starts on it while the writers compute.
                try (Closeable behind = img.disk().flushBehind()) {
                    fat.write(boot, bootPart);
                    ext4.write(root, rootPart);
                }
                img.disk().flush();
            }
            out.commitDurably();
        }
    }

    private DiskLayout layout(long bootSize, long rootSize) {
        return DiskLayout.seeded(seed)
                .add(MbrPartitionEntry.TYPE_FAT32_LBA, bootSize, true)
                .add(MbrPartitionEntry.TYPE_LINUX, rootSize, false);
    }
}
