package walt.vpn.image;

import java.io.IOException;
import java.util.Set;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.ext4.Ext4Volume;
import walt.vpn.fat.FatVolume;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;

/**
 * An SD card image a recipe starts from, read with our own readers (no loop mount): the trees
 * of its FAT boot partition and of its ext4 root. The trees read file contents from the image,
 * so it stays open, read-only, until {@link #close}.
 */
public final class BaseImage implements AutoCloseable {

    /** MBR types of FAT partitions (FAT12, FAT16, FAT32, with CHS or LBA addressing). */
    private static final Set<Integer> FAT_TYPES = Set.of(0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E);
    private static final int LINUX_TYPE = 0x83;

    private final PartitionedImage disk;
    private final PartitionedImage.Partition boot;
    private final PartitionedImage.Partition root;
    private final FileTree bootTree;
    private final FileTree rootTree;

    private BaseImage(PartitionedImage disk, PartitionedImage.Partition boot, PartitionedImage.Partition root,
                      FileTree bootTree, FileTree rootTree) {
        this.disk = disk;
        this.boot = boot;
        this.root = root;
        this.bootTree = bootTree;
        this.rootTree = rootTree;
    }

    /** Reads the first FAT partition and the first Linux one of {@code file}; errors name {@code name}. */
    public static BaseImage read(BaseImageFile file, String name) throws IOException {
        ImageFile image = ImageFile.openReadOnly(file.raw());
        PartitionedImage disk = null;
        try {
            if (!PartitionedImage.hasMbr(image)) {
                throw new InvalidDataException(name + ": no MBR partition table: not an SD card image");
            }
            disk = PartitionedImage.open(image);
            PartitionedImage.Partition boot = null;
            PartitionedImage.Partition root = null;
            for (PartitionedImage.Partition p : disk.partitions()) {
                if (boot == null && FAT_TYPES.contains(p.type())) {
                    boot = p;
                } else if (root == null && p.type() == LINUX_TYPE) {
                    root = p;
                }
            }
            if (boot == null || root == null) {
                throw new InvalidDataException(name + ": no " + (boot == null ? "FAT boot" : "Linux (type 83) root") + " partition");
            }
            FileTree bootTree = tree(disk, boot, name);
            FileTree rootTree = tree(disk, root, name);
            return new BaseImage(disk, boot, root, bootTree, rootTree);
        } catch (IOException | RuntimeException e) {
            if (disk != null) {
                disk.close();
            } else {
                image.close();
            }
            throw e;
        }
    }

    private static FileTree tree(PartitionedImage disk, PartitionedImage.Partition p, String name) throws IOException {
        String where = name + " partition " + p.number() + ": ";
        try {
            if (p.type() == LINUX_TYPE) {
                return Ext4Volume.open(disk.partition(p.number())).readTree();
            }
            // Not closed: closing would write back a FAT that nothing changed, and the file is read-only.
            return FatVolume.open(disk.partition(p.number())).readTree();
        } catch (InvalidDataException e) {
            throw new InvalidDataException(where + e.getMessage(), e);
        }
    }

    public FileTree bootTree() {
        return bootTree;
    }

    public FileTree rootTree() {
        return rootTree;
    }

    /** The boot partition's size, kept by the new image unless the recipe sets one. */
    public long bootBytes() {
        return boot.size();
    }

    /** The PARTUUID the base's files use for its boot partition ({@code 1234abcd-01}). */
    public String bootPartUuid() {
        return boot.partUuid();
    }

    public String rootPartUuid() {
        return root.partUuid();
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }
}
