package walt.vpn.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.disk.ImageFile;
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
 */
public final class SiteImage {

    /** The boot partition: the FAT one every Raspberry Pi card starts with. */
    static final int BOOT_PARTITION = 1;

    private SiteImage() {
    }

    public static void write(Path base, String folder, Map<String, byte[]> files, Path target) throws IOException {
        if (Files.exists(target) && Files.isSameFile(base, target)) {
            throw new IllegalArgumentException("the output would replace the base image: " + target);
        }
        try (AtomicOutput out = new AtomicOutput(target)) {
            List<long[]> runs = NodeBaseCache.blockRuns(base);
            if (runs != null) {
                SparseCopy.copy(base, out.tempPath(), runs);
            } else {
                SparseCopy.copy(base, out.tempPath());
            }
            try (ImageFile img = ImageFile.openReadWrite(out.tempPath()); PartitionedImage disk = PartitionedImage.open(img)) {
                if (disk.partitions().isEmpty() || disk.partitions().get(0).number() != BOOT_PARTITION) {
                    throw new IllegalArgumentException(base + " has no boot partition (partition 1, FAT)");
                }
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
                    fat.flush();
                }
                // No fsync: like cp, the copy is left to the page cache; flashing (dd conv=fsync,
                // bmaptool) is where durability matters.
            }
            out.commit();
        }
    }

    private static Timestamp baseTime(FileTree tree) {
        Node config = tree.lookup("config.txt");
        if (config == null) {
            throw new IllegalArgumentException("the base image's boot partition has no config.txt: not a Raspberry Pi card image");
        }
        return config.metadata().mtime();
    }
}
