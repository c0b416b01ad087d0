package walt.vpn.ext4;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) the way ext4 and jbd2 use it: a raw register with a caller-chosen seed
 * and no final inversion. It runs on java.util.zip.CRC32C (a CPU instruction where there is
 * one), which always starts from all ones: four leading bytes, chosen so that the register
 * holds the seed after them, make it start anywhere.
 */
public final class Crc32c {

    private static final int POLY = 0x82F63B78;
    /**
     * Up to this many bytes a table step per byte is cheaper than seeding the instruction-backed
     * CRC32C (a 32-step loop and two arrays): the per-inode seeds are four bytes at a time.
     */
    private static final int SMALL = 16;
    private static final int[] TABLE = table();

    private Crc32c() {
    }

    public static int update(int crc, byte[] b, int off, int len) {
        if (len <= SMALL) {
            for (int i = off; i < off + len; i++) {
                crc = step(crc, b[i]);
            }
            return crc;
        }
        CRC32C c = new CRC32C();
        int w = ~unshift32(crc);
        c.update(new byte[] {(byte) w, (byte) (w >>> 8), (byte) (w >>> 16), (byte) (w >>> 24)});
        c.update(b, off, len);
        return ~(int) c.getValue();
    }

    public static int update(int crc, byte[] b) {
        return update(crc, b, 0, b.length);
    }

    public static int updateInt(int crc, int littleEndianValue) {
        for (int i = 0; i < 32; i += 8) {
            crc = step(crc, (byte) (littleEndianValue >>> i));
        }
        return crc;
    }

    public static int updateLong(int crc, long littleEndianValue) {
        crc = updateInt(crc, (int) littleEndianValue);
        return updateInt(crc, (int) (littleEndianValue >>> 32));
    }

    /** One byte through the register: eight bit-steps at once. */
    private static int step(int crc, byte b) {
        return (crc >>> 8) ^ TABLE[(crc ^ b) & 0xFF];
    }

    /** The register after eight bit-steps from each byte value. */
    private static int[] table() {
        int[] t = new int[256];
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            t[n] = c;
        }
        return t;
    }

    /**
     * The register that 32 bit-steps turn into {@code r}. Four bytes XORed into a register and
     * shifted through take it from x to step32(x ^ word); undoing the steps gives the word.
     */
    private static int unshift32(int r) {
        for (int i = 0; i < 32; i++) {
            // A step shifts right and XORs POLY when a one fell out; POLY's top bit tells which.
            r = r < 0 ? ((r ^ POLY) << 1) | 1 : r << 1;
        }
        return r;
    }
}
