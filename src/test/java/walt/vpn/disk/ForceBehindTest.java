package walt.vpn.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForceBehindTest {

    @TempDir
    Path dir;

    private static boolean forcing() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("force-behind") && t.isAlive());
    }

    @Test
    void writesGoOnWhileForcingAndCloseStopsTheThread() throws IOException {
        Path f = dir.resolve("img");
        byte[] block = new byte[4096];
        java.util.Arrays.fill(block, (byte) 7);
        try (ImageFile img = ImageFile.createSparse(f, 64 << 20)) {
            try (Closeable behind = img.flushBehind()) {
                assertTrue(forcing());
                for (long p = 0; p < (64 << 20); p += 1 << 20) {
                    img.write(p, ByteBuffer.wrap(block));
                }
            }
            assertFalse(forcing(), "the thread ends with close()");
            img.flush();
        }
        byte[] back = new byte[4096];
        try (FileChannel ch = FileChannel.open(f)) {
            ch.read(ByteBuffer.wrap(back), 63L << 20);
        }
        assertArrayEquals(block, back);
    }

    @Test
    void aFailedForceIsReportedByClose() throws Exception {
        FileChannel ch = FileChannel.open(dir.resolve("img"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ForceBehind behind = ForceBehind.start(ch);
        // The next force fails on the closed channel, and the thread ends on it.
        ch.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (forcing() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        IOException e = assertThrows(IOException.class, behind::close);
        assertTrue(e.getMessage().startsWith("forcing the output to disk failed"), e.getMessage());
    }

    @Test
    void storageWithNowhereToPushDoesNothing() throws IOException {
        Storage memory = new Storage() {
            @Override
            public long size() {
                return 0;
            }

            @Override
            public void read(long position, ByteBuffer dst) {
            }

            @Override
            public void write(long position, ByteBuffer src) {
            }

            @Override
            public void close() {
            }
        };
        try (Closeable behind = memory.flushBehind()) {
            assertFalse(forcing());
        }
    }
}
