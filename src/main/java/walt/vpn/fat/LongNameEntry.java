package walt.vpn.fat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One VFAT long file name slot: 13 UTF-16 units of the name, its position in the sequence
 * (0x40 marks the last, stored first) and the checksum of the 8.3 name it belongs to.
 */
public record LongNameEntry(int ordinal, boolean last, char[] units, int checksum) {

    public static final int UNITS = 13;
    public static final int MAX_SLOTS = 20;
    public static final int MAX_NAME = 255;
    private static final int[] OFFSETS = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

    public LongNameEntry {
        units = units.clone();
        if (units.length != UNITS || ordinal < 1 || ordinal > MAX_SLOTS) {
            throw new IllegalArgumentException("bad long name slot");
        }
    }

    @Override
    public char[] units() {
        return units.clone();
    }

    /** The checksum of an 11-byte 8.3 name, as every LFN slot of that name carries it. */
    public static int checksum(byte[] shortName) {
        int sum = 0;
        for (int i = 0; i < 11; i++) {
            sum = (((sum & 1) << 7) + (sum >>> 1) + (shortName[i] & 0xFF)) & 0xFF;
        }
        return sum;
    }

    /** How many slots a name takes. */
    public static int slotsFor(String name) {
        return (name.length() + UNITS - 1) / UNITS;
    }

    /** The slots of a name in on-disk order (last part first), NUL-terminated, 0xFFFF-padded. */
    public static List<LongNameEntry> forName(String name, int checksum) {
        int n = slotsFor(name);
        List<LongNameEntry> out = new ArrayList<>(n);
        for (int ord = n; ord >= 1; ord--) {
            char[] u = new char[UNITS];
            for (int k = 0; k < UNITS; k++) {
                int i = (ord - 1) * UNITS + k;
                u[k] = i < name.length() ? name.charAt(i) : i == name.length() ? 0 : (char) 0xFFFF;
            }
            out.add(new LongNameEntry(ord, ord == n, u, checksum));
        }
        return out;
    }

    /** Parses a slot; null when the bytes are not a usable LFN slot (bad ordinal). */
    public static LongNameEntry parse(ByteBuffer b, int off) {
        int ord = b.get(off) & 0xFF;
        int seq = ord & 0x1F;
        if (seq < 1 || seq > MAX_SLOTS || (ord & 0x80) != 0) {
            return null;
        }
        char[] u = new char[UNITS];
        for (int k = 0; k < UNITS; k++) {
            u[k] = (char) (b.getShort(off + OFFSETS[k]) & 0xFFFF);
        }
        return new LongNameEntry(seq, (ord & 0x40) != 0, u, b.get(off + 13) & 0xFF);
    }

    public void write(ByteBuffer b, int off) {
        b.put(off, (byte) (ordinal | (last ? 0x40 : 0)));
        for (int k = 0; k < UNITS; k++) {
            b.putShort(off + OFFSETS[k], (short) units[k]);
        }
        b.put(off + 11, (byte) DirectoryEntry.ATTR_LONG_NAME);
        b.put(off + 12, (byte) 0);
        b.put(off + 13, (byte) checksum);
        b.putShort(off + 26, (short) 0);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(DirectoryEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        write(b, 0);
        return b.array();
    }

    /** The units of this slot up to the terminating NUL. */
    public String text() {
        StringBuilder sb = new StringBuilder(UNITS);
        for (char c : units) {
            if (c == 0) {
                break;
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
