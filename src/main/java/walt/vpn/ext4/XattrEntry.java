package walt.vpn.ext4;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One extended attribute entry as ext4 stores it in the inode body or an xattr block: a name
 * split into a namespace index and a suffix, and a value stored elsewhere in the same region.
 */
public record XattrEntry(int nameIndex, byte[] suffix, byte[] value) implements Comparable<XattrEntry> {

    public static final int HEADER = 16;
    public static final int MAGIC = 0xEA020000;

    private static final String[][] PREFIXES = {
        {"1", "user."}, {"2", "system.posix_acl_access"}, {"3", "system.posix_acl_default"},
        {"4", "trusted."}, {"6", "security."}, {"7", "system."}, {"8", "system.richacl"}};

    /** Splits a full attribute name into index and suffix, longest known prefix first. */
    public static XattrEntry of(String fullName, byte[] value) {
        int bestIndex = 0;
        String bestPrefix = "";
        for (String[] p : PREFIXES) {
            if (fullName.startsWith(p[1]) && p[1].length() > bestPrefix.length()) {
                bestIndex = Integer.parseInt(p[0]);
                bestPrefix = p[1];
            }
        }
        return new XattrEntry(bestIndex, fullName.substring(bestPrefix.length()).getBytes(StandardCharsets.UTF_8), value);
    }

    public String fullName() {
        String prefix = "";
        for (String[] p : PREFIXES) {
            if (Integer.parseInt(p[0]) == nameIndex) {
                prefix = p[1];
            }
        }
        return prefix + new String(suffix, StandardCharsets.UTF_8);
    }

    /** Bytes of the entry itself (the value lives elsewhere). */
    public int entrySize() {
        return (HEADER + suffix.length + 3) & ~3;
    }

    public int valueSize() {
        return (value.length + 3) & ~3;
    }

    /** The entry hash e2fsck checks in xattr blocks: name bytes (signed chars), then value words. */
    public int hash() {
        int h = 0;
        for (byte c : suffix) {
            h = (h << 5) ^ (h >>> 27) ^ c;
        }
        ByteBuffer v = ByteBuffer.wrap(Arrays.copyOf(value, valueSize())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (v.remaining() >= 4) {
            h = (h << 16) ^ (h >>> 16) ^ v.getInt();
        }
        return h;
    }

    /** The order the kernel keeps entries in: index, name length, name. */
    @Override
    public int compareTo(XattrEntry o) {
        int c = Integer.compare(nameIndex, o.nameIndex);
        if (c == 0) {
            c = Integer.compare(suffix.length, o.suffix.length);
        }
        return c != 0 ? c : Arrays.compare(suffix, o.suffix);
    }

    /** Writes the entry header and name at {@code off}; {@code valueOffset} is relative to the region's start. */
    public void encode(ByteBuffer b, int off, int valueOffset, int hash) {
        b.put(off, (byte) suffix.length);
        b.put(off + 1, (byte) nameIndex);
        b.putShort(off + 2, (short) valueOffset);
        b.putInt(off + 4, 0);
        b.putInt(off + 8, value.length);
        b.putInt(off + 12, hash);
        b.put(off + HEADER, suffix);
    }
}
