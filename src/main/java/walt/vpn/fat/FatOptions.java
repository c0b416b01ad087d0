package walt.vpn.fat;

import walt.vpn.tree.Timestamp;

/**
 * How {@link FatWriter} formats a volume.
 *
 * @param label         volume label (boot sector and root label entry), null for none
 * @param seed          source of the volume id, so that builds are reproducible
 * @param headroomBytes free space {@link FatWriter#sizeFor} leaves beyond the tree
 * @param creationTime  time stamped on the volume label entry (never the wall clock)
 */
public record FatOptions(String label, long seed, long headroomBytes, Timestamp creationTime) {

    public FatOptions {
        if (headroomBytes < 0) {
            throw new IllegalArgumentException("negative headroom");
        }
        java.util.Objects.requireNonNull(creationTime);
        if (label != null) {
            checkLabel(label);
        }
    }

    public static FatOptions defaults() {
        return new FatOptions(null, 0, 0, Timestamp.ofSeconds(DirectoryEntry.FAT_EPOCH));
    }

    public FatOptions withLabel(String l) {
        return new FatOptions(l, seed, headroomBytes, creationTime);
    }

    public FatOptions withSeed(long s) {
        return new FatOptions(label, s, headroomBytes, creationTime);
    }

    public FatOptions withCreationTime(Timestamp t) {
        return new FatOptions(label, seed, headroomBytes, t);
    }

    public FatOptions withHeadroomBytes(long b) {
        return new FatOptions(label, seed, b, creationTime);
    }

    /** Labels are 8.3-style: up to 11 printable ASCII characters, none that 8.3 names forbid. */
    static void checkLabel(String label) {
        if (label.isEmpty() || label.length() > 11) {
            throw new IllegalArgumentException("FAT label must be 1 to 11 characters: '" + label + "'");
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c < 0x20 || c > 0x7E || "\"*+,./:;<=>?[\\]|".indexOf(c) >= 0) {
                throw new IllegalArgumentException("character '" + c + "' not allowed in a FAT label: '" + label + "'");
            }
        }
    }
}
