package walt.vpn.ext4;

/**
 * The big-endian (most significant bit first, unreflected) CRC-32 with the IEEE polynomial and
 * no final inversion, as jbd2's first commit checksum (journal_checksum, before csum v2/v3)
 * sums a transaction's blocks. java.util.zip.CRC32 is the reflected variant: not the same.
 */
final class Crc32Be {

    private static final int POLY = 0x04C11DB7;
    private static final int[] TABLE = table();

    private Crc32Be() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ b[i]) & 0xFF];
        }
        return crc;
    }

    private static int[] table() {
        int[] t = new int[256];
        for (int n = 0; n < 256; n++) {
            int c = n << 24;
            for (int k = 0; k < 8; k++) {
                c = c < 0 ? (c << 1) ^ POLY : c << 1;
            }
            t[n] = c;
        }
        return t;
    }
}
