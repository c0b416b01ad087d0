package walt.vpn.ext4;

import walt.vpn.tree.Timestamp;

/**
 * How {@link Ext4Writer} formats.
 *
 * @param seed          every "random" value (UUIDs, hash seed) derives from it
 * @param headroomBytes free space {@link Ext4Writer#sizeFor} adds beyond the content
 * @param creationTime  mkfs, write and check times: SOURCE_DATE_EPOCH for reproducible builds
 */
public record Ext4Options(String label, long seed, long headroomBytes, double headroomFraction, int inodeSize,
                          int blockSize, boolean journal, Timestamp creationTime) {

    public Ext4Options {
        if (label == null) {
            label = "";
        }
        if (label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 16) {
            throw new IllegalArgumentException("ext4 label longer than 16 bytes: " + label);
        }
        if (blockSize != 4096) {
            throw new IllegalArgumentException("only 4096-byte blocks are written, not " + blockSize);
        }
        if (inodeSize != 256) {
            throw new IllegalArgumentException("only 256-byte inodes are written, not " + inodeSize);
        }
        if (headroomBytes < 0 || headroomFraction < 0) {
            throw new IllegalArgumentException("negative headroom");
        }
    }

    public static Ext4Options defaults() {
        return new Ext4Options("", 0, 16L << 20, 0.10, 256, 4096, true, Timestamp.EPOCH);
    }

    public Ext4Options withLabel(String l) {
        return new Ext4Options(l, seed, headroomBytes, headroomFraction, inodeSize, blockSize, journal, creationTime);
    }

    public Ext4Options withSeed(long s) {
        return new Ext4Options(label, s, headroomBytes, headroomFraction, inodeSize, blockSize, journal, creationTime);
    }

    public Ext4Options withCreationTime(Timestamp t) {
        return new Ext4Options(label, seed, headroomBytes, headroomFraction, inodeSize, blockSize, journal, t);
    }

    public Ext4Options withHeadroom(long bytes, double fraction) {
        return new Ext4Options(label, seed, bytes, fraction, inodeSize, blockSize, journal, creationTime);
    }

    public Ext4Options withJournal(boolean j) {
        return new Ext4Options(label, seed, headroomBytes, headroomFraction, inodeSize, blockSize, j, creationTime);
    }
}
