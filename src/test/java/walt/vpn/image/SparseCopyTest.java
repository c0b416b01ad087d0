package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.MappedRange;

/** The copy along a base's block runs: its first part is whole, and the file full-sized, before the rest is copied. */
class SparseCopyTest {

    private static final int B = SparseCopy.BLOCK;

    @TempDir
    Path dir;

    @Test
    void theFirstPartIsCopiedAndReportedBeforeTheRestAndTheResultIsTheSource() throws Exception {
        Path from = dir.resolve("from.img");
        byte[] data = new byte[64 * B];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i / B + 1);
        }
        // Data in blocks 0-3, 14-19 (across the first part's end, block 16) and 40-63; zeros elsewhere.
        java.util.Arrays.fill(data, 4 * B, 14 * B, (byte) 0);
        java.util.Arrays.fill(data, 20 * B, 40 * B, (byte) 0);
        Files.write(from, data);
        List<MappedRange> runs = List.of(new MappedRange(0, 4 * B), new MappedRange(14 * B, 6 * B), new MappedRange(40 * B, 24 * B));
        Path to = Files.createFile(dir.resolve("to.img"));
        byte[][] atReport = new byte[1][];
        SparseCopy.copy(from, to, runs, 16 * B, () -> {
            try {
                atReport[0] = Files.readAllBytes(to);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(data.length, atReport[0].length, "the copy has its full size before the first part is reported");
        assertArrayEquals(java.util.Arrays.copyOf(data, 16 * B), java.util.Arrays.copyOf(atReport[0], 16 * B), "the first part is whole when reported");
        assertTrue(isZero(atReport[0], 16 * B, data.length), "nothing past the first part is copied before it is reported");
        assertEquals(-1L, Files.mismatch(from, to));
    }

    @Test
    void aCopyEndingInAHoleHasTheSourcesSizeAndBytes() throws Exception {
        Path from = dir.resolve("from.img");
        try (FileChannel f = FileChannel.open(from, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[] {7}), 0);
            f.write(ByteBuffer.allocate(1), (1 << 20) - 1);
        }
        Path to = Files.createFile(dir.resolve("to.img"));
        SparseCopy.copy(from, to, List.of(new MappedRange(0, B)), 0, () -> { });
        assertEquals(1 << 20, Files.size(to));
        assertEquals(-1L, Files.mismatch(from, to));
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
