package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindStorageTest {

    @TempDir
    Path dir;

    @Test
    void overlappingWritesLandInTheOrderTheyWereMade() throws IOException {
        Random rnd = new Random(7);
        byte[] expected = new byte[1 << 20];
        try (ImageFile img = ImageFile.createSparse(dir.resolve("a.img"), expected.length);
                WriteBehindStorage queued = new WriteBehindStorage(img, 64 << 10)) {
            for (int i = 0; i < 5000; i++) {
                int len = 1 + rnd.nextInt(20000);
                int at = rnd.nextInt(expected.length - len);
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                System.arraycopy(b, 0, expected, at, len);
                ByteBuffer src = ByteBuffer.wrap(b);
                queued.write(at, src);
                b[0] ^= 1; // the queue copied the bytes: changing ours now must not matter
            }
            // A read waits for the writes before it.
            ByteBuffer back = ByteBuffer.allocate(expected.length);
            queued.read(0, back);
            assertArrayEquals(expected, back.array());
        }
        assertArrayEquals(expected, Files.readAllBytes(dir.resolve("a.img")));
    }

    @Test
    void ownedBuffersAreHandedBackAfterTheirWrite() throws Exception {
        try (ImageFile img = ImageFile.createSparse(dir.resolve("b.img"), 1 << 16);
                WriteBehindStorage queued = new WriteBehindStorage(img, 4096)) {
            ByteBuffer owned = ByteBuffer.allocateDirect(8192);
            for (int i = 0; i < 8192; i++) {
                owned.put(i, (byte) (i * 31 + 1));
            }
            CountDownLatch done = new CountDownLatch(1);
            queued.writeOwned(4096, owned.duplicate(), done::countDown);
            done.await();
            queued.drain();
            assertEquals(owned.get(100), img.readBytes(4096 + 100, 1)[0]);
        }
    }

    @Test
    void givenBlocksLandIntactAndComeBackZeroedForTheNextDirectory() throws Exception {
        int blocks = 300;
        byte[] expected = new byte[blocks * 4096];
        try (ImageFile img = ImageFile.createSparse(dir.resolve("c.img"), expected.length);
                WriteBehindStorage queued = new WriteBehindStorage(img, 16 * 4096)) {
            Set<ByteBuffer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int i = 0; i < blocks; i++) {
                ByteBuffer b = queued.newBlock();
                assertEquals(4096, b.remaining());
                for (int k = 0; k < 4096; k++) {
                    assertEquals(0, b.get(k), "a reused block starts zeroed");
                }
                seen.add(b);
                // Fill only part of it, as a directory block is: the rest must read as zeros.
                for (int k = 0; k < 100 + i; k++) {
                    b.put(k, (byte) (i + k + 1));
                    expected[i * 4096 + k] = (byte) (i + k + 1);
                }
                queued.writeGiven((long) i * 4096, b);
                // Small copied writes share the recycled blocks; the caller's buffer stays its own.
                byte[] small = {(byte) i, 1, 2};
                queued.write((long) i * 4096 + 4000, ByteBuffer.wrap(small));
                System.arraycopy(small, 0, expected, i * 4096 + 4000, 3);
                small[0] = 99;
            }
            queued.drain();
            assertTrue(seen.size() < blocks, "blocks written are handed out again, not allocated anew");
        }
        assertArrayEquals(expected, Files.readAllBytes(dir.resolve("c.img")));
    }

    @Test
    void aFailedWriteIsReportedByTheNextCall() throws IOException {
        Storage failing = new Storage() {
            @Override
            public long size() {
                return 1 << 20;
            }

            @Override
            public void read(long position, ByteBuffer dst) {
            }

            @Override
            public void write(long position, ByteBuffer src) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void close() {
            }
        };
        try (WriteBehindStorage queued = new WriteBehindStorage(failing, 4096)) {
            queued.write(0, ByteBuffer.allocate(10));
            IOException e = assertThrows(IOException.class, queued::drain);
            assertEquals("disk full", e.getMessage());
            assertThrows(IOException.class, () -> queued.write(0, ByteBuffer.allocate(10)));
        }
    }

    /** Counts the writes that reach an image; the first waits until {@code open} is counted down. */
    private static final class GatedCount implements Storage {
        final ImageFile img;
        final CountDownLatch open = new CountDownLatch(1);
        final List<Integer> sizes = new CopyOnWriteArrayList<>();

        GatedCount(ImageFile img) {
            this.img = img;
        }

        @Override
        public long size() {
            return img.size();
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            img.read(position, dst);
        }

        @Override
        public void write(long position, ByteBuffer src) throws IOException {
            try {
                open.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            sizes.add(src.remaining());
            img.write(position, src);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void smallWritesThatContinueOneAnotherGoOutTogether() throws Exception {
        Random rnd = new Random(11);
        byte[] expected = new byte[4 << 20];
        try (ImageFile img = ImageFile.createSparse(dir.resolve("c.img"), expected.length)) {
            GatedCount counted = new GatedCount(img);
            try (WriteBehindStorage queued = new WriteBehindStorage(counted, 8 << 20)) {
                // While the first write waits, 512 blocks that continue one another pile up,
                // then one that overlaps them (it must land last) and one large write.
                queued.write(0, ByteBuffer.wrap(new byte[] {1}));
                expected[0] = 1;
                for (int i = 0; i < 512; i++) {
                    byte[] b = new byte[4096];
                    rnd.nextBytes(b);
                    System.arraycopy(b, 0, expected, 4096 + i * 4096, 4096);
                    queued.write(4096 + i * 4096L, ByteBuffer.wrap(b));
                }
                byte[] over = new byte[100];
                java.util.Arrays.fill(over, (byte) 9);
                System.arraycopy(over, 0, expected, 8192, over.length);
                queued.write(8192, ByteBuffer.wrap(over));
                byte[] large = new byte[1 << 20];
                rnd.nextBytes(large);
                System.arraycopy(large, 0, expected, 3 << 20, large.length);
                queued.write(3 << 20, ByteBuffer.wrap(large));
                counted.open.countDown();
                queued.drain();
                // The first alone, 2 MiB of blocks in two gathered writes, the overlap, the large one.
                assertEquals(List.of(1, 1 << 20, 1 << 20, 100, 1 << 20), counted.sizes);
                ByteBuffer back = ByteBuffer.allocate(expected.length);
                queued.read(0, back);
                assertArrayEquals(expected, back.array());
            }
        }
    }

    @Test
    void writesAfterCloseAreRefused() throws IOException {
        try (ImageFile img = ImageFile.createSparse(dir.resolve("d.img"), 1 << 16)) {
            WriteBehindStorage queued = new WriteBehindStorage(img, 4096);
            queued.write(0, ByteBuffer.wrap(new byte[] {5}));
            queued.close();
            assertEquals(5, img.readBytes(0, 1)[0], "close drains what was queued");
            assertThrows(IllegalStateException.class, () -> queued.write(0, ByteBuffer.allocate(1)));
            queued.close();
        }
    }
}
