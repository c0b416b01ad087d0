package walt.vpn.ext4;

/**
 * The half-MD4 name hash that orders htree directories (s_def_hash_version 1), with the
 * filesystem's hash seed, over names read as signed chars (the superblock's
 * signed_directory_hash flag, what x86 Linux and e2fsprogs use).
 */
final class DirectoryHash {

    private static final int K2 = 013240474631;
    private static final int K3 = 015666365641;
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    private final int[] seed;

    DirectoryHash(long[] hashSeed) {
        int[] s = new int[4];
        boolean zero = true;
        for (int i = 0; i < 4; i++) {
            s[i] = (int) hashSeed[i];
            zero &= s[i] == 0;
        }
        this.seed = zero ? DEFAULT_SEED.clone() : s;
    }

    /** The major hash, low bit clear (the low bit of index entries marks hash collisions). */
    int hash(byte[] name) {
        int[] buf = seed.clone();
        int[] in = new int[8];
        for (int off = 0; off == 0 || off < name.length; off += 32) {
            fill(name, off, name.length - off, in);
            transform(buf, in);
        }
        int h = buf[1] & ~1;
        // 0x7fffffff << 1 is the "end of directory" marker in 32-bit readdir cookies.
        return h == (0x7fffffff << 1) ? (0x7fffffff - 1) << 1 : h;
    }

    private static void fill(byte[] name, int off, int len, int[] out) {
        int pad = len | (len << 8);
        pad |= pad << 16;
        int val = pad;
        int n = Math.min(len, 32);
        int word = 0;
        for (int i = 0; i < n; i++) {
            val = name[off + i] + (val << 8); // signed char, as the flag says
            if (i % 4 == 3) {
                out[word++] = val;
                val = pad;
            }
        }
        if (word < 8) {
            out[word++] = val;
        }
        while (word < 8) {
            out[word++] = pad;
        }
    }

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    private static void transform(int[] buf, int[] in) {
        int a = buf[0];
        int b = buf[1];
        int c = buf[2];
        int d = buf[3];
        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);

        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + K2, 13);

        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + K3, 15);

        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }
}
