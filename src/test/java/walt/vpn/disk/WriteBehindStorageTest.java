package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
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
}
