package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFileTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void isZeroFindsAnyNonZeroByteInHeapAndDirectBuffers() {
        int size = 200_000; // more than one chunk of the zero buffer compared with
        for (ByteBuffer b : new ByteBuffer[] {ByteBuffer.allocate(size), ByteBuffer.allocateDirect(size)}) {
            assertTrue(ImageFile.isZero(b, 0, size));
            assertTrue(ImageFile.isZero(b, 5, 5), "an empty range");
            for (int at : new int[] {0, 7, 8, 4095, 65_535, 65_536, 131_073, size - 1}) {
                b.put(at, (byte) 1);
                assertFalse(ImageFile.isZero(b, 0, size), "byte " + at);
                assertFalse(ImageFile.isZero(b, at, at + 1), "byte " + at + " alone");
                assertTrue(ImageFile.isZero(b, at + 1, size), "after byte " + at);
                assertTrue(ImageFile.isZero(b, 0, at), "before byte " + at);
                b.put(at, (byte) 0);
            }
            b.position(100).limit(200);
            b.put(150, (byte) 1);
            assertFalse(ImageFile.isZero(b), "position to limit");
            assertTrue(ImageFile.isZero(b, 151, 200), "after it");
            assertEquals(100, b.position(), "not moved");
        }
    }

    @Test
    void directWritesLandTheSameBytesAsCachedOnes() throws IOException {
        Random r = new Random(16);
        ByteBuffer content = ByteBuffer.allocateDirect(2 * MIB + 4096).alignedSlice(4096);
        byte[] bytes = new byte[2 * MIB];
        r.nextBytes(bytes);
        java.util.Arrays.fill(bytes, MIB, MIB + 8192, (byte) 0); // two zero blocks, left as holes: runs split around them
        content.put(bytes).flip();
        byte[] small = new byte[1000];
        r.nextBytes(small);

        byte[][] images = new byte[2][];
        for (int direct = 0; direct < 2; direct++) {
            Path f = dir.resolve("img" + direct);
            try (ImageFile img = ImageFile.createSparse(f, 8 * MIB)) {
                if (direct == 1) {
                    img.writeLargeRunsDirect(); // where the file system refuses, both are cached: still equal
                }
                img.write(MIB, content.duplicate());
                img.write(4 * MIB + 512, ByteBuffer.wrap(small)); // unaligned and small: through the cache
                img.write(5 * MIB, content.duplicate().position(4096)); // 4 KiB into the buffer: still aligned
                img.write(7 * MIB + 100, content.duplicate().limit(64 << 10).position(100)); // unaligned address
                ByteBuffer back = ByteBuffer.allocate(8 * MIB);
                img.read(0, back);
                images[direct] = back.array();
                img.flush();
            }
        }
        assertArrayEquals(images[0], images[1]);
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 0, 1000),
                java.util.Arrays.copyOfRange(images[1], MIB, MIB + 1000));
    }
}
