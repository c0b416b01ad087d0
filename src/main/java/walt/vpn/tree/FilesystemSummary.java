package walt.vpn.tree;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code walt vpn-image inspect} reports about one filesystem.
 *
 * @param type     "ext4", "ext3", "ext2", "fat32", "fat16", "fat12"
 * @param features on-disk feature names as the filesystem's own tools spell them
 */
public record FilesystemSummary(String type, String label, String uuid, long sizeBytes,
                                long usedBytes, long freeBytes, int blockSize,
                                long inodeCount, long freeInodes, List<String> features) {

    public FilesystemSummary {
        features = List.copyOf(features);
    }

    /**
     * Whether the used and free figures can be believed. The free count is a summary each
     * filesystem keeps beside its allocation maps (ext4's superblock), which a damaged or
     * foreign image can hold larger than the filesystem; kernels and fsck recount it.
     */
    public boolean usageKnown() {
        return freeBytes >= 0 && usedBytes >= 0 && freeBytes <= sizeBytes;
    }

    /** Whether the free inode count can be believed, for the same reason. */
    public boolean inodeUsageKnown() {
        return freeInodes >= 0 && freeInodes <= inodeCount;
    }

    /** What makes a figure unknown, one sentence each; empty for a sound summary. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (!usageKnown()) {
            out.add(freeBytes < 0
                    ? "the free block count is beyond any size: used and free unknown"
                    : "the free block count (" + blocks(freeBytes) + ") exceeds the block count (" + blocks(sizeBytes)
                            + "): used and free unknown");
        }
        if (!inodeUsageKnown()) {
            out.add("the free inode count (" + freeInodes + ") exceeds the inode count (" + inodeCount
                    + "): free inodes unknown");
        }
        return out;
    }

    private String blocks(long bytes) {
        return blockSize > 0 ? Long.toString(bytes / blockSize) : bytes + " bytes";
    }
}
