package walt.vpn.tree;

import java.util.List;

/**
 * What {@code walt vpn-image inspect} reports about one filesystem.
 *
 * @param type     "ext4", "ext3", "ext2", "fat32", "fat16"
 * @param features on-disk feature names as the filesystem's own tools spell them
 */
public record FilesystemSummary(String type, String label, String uuid, long sizeBytes,
                                long usedBytes, long freeBytes, int blockSize,
                                long inodeCount, long freeInodes, List<String> features) {

    public FilesystemSummary {
        features = List.copyOf(features);
    }
}
