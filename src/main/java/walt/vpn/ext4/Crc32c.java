package walt.vpn.ext4;

/**
 * CRC32C (Castagnoli) the way ext4 and jbd2 use it: a raw register with a caller-chosen seed
 * and no final inversion. java.util.zip.CRC32C cannot start from an arbitrary seed, which
 * every ext4 checksum but the superblock's needs, hence this table-driven version.
 */
public final class Crc32c {

    private static final int POLY = 0x82F63B78;
    private static final int[][] TABLE = new int[8][256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            TABLE[0][i] = c;
        }
        for (int i = 0; i < 256; i++) {
            for (int t = 1; t < 8; t++) {
                int prev = TABLE[t - 1][i];
                TABLE[t][i] = (prev >>> 8) ^ TABLE[0][prev & 0xFF];
            }
        }
    }

    private Crc32c() {
    }

    public static int update(int crc, byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        // Slicing by 8: one table lookup per byte, eight bytes per step.
        while (end - i >= 8) {
            int lo = crc ^ ((b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24);
            crc = TABLE[7][lo & 0xFF] ^ TABLE[6][(lo >>> 8) & 0xFF] ^ TABLE[5][(lo >>> 16) & 0xFF] ^ TABLE[4][lo >>> 24]
                    ^ TABLE[3][b[i + 4] & 0xFF] ^ TABLE[2][b[i + 5] & 0xFF] ^ TABLE[1][b[i + 6] & 0xFF] ^ TABLE[0][b[i + 7] & 0xFF];
            i += 8;
        }
        while (i < end) {
            crc = (crc >>> 8) ^ TABLE[0][(crc ^ b[i++]) & 0xFF];
        }
        return crc;
    }

    public static int update(int crc, byte[] b) {
        return update(crc, b, 0, b.length);
    }

    public static int updateInt(int crc, int littleEndianValue) {
        byte[] v = {(byte) littleEndianValue, (byte) (littleEndianValue >>> 8), (byte) (littleEndianValue >>> 16), (byte) (littleEndianValue >>> 24)};
        return update(crc, v);
    }

    public static int updateLong(int crc, long littleEndianValue) {
        crc = updateInt(crc, (int) littleEndianValue);
        return updateInt(crc, (int) (littleEndianValue >>> 32));
    }
}
