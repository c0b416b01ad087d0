package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadAheadChannelTest {

    @TempDir
    Path dir;

    @Test
    void randomReadsMatchTheFile() throws Exception {
        Random rnd = new Random(5);
        byte[] data = new byte[300_000];
        rnd.nextBytes(data);
        Path f = Files.write(dir.resolve("f"), data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ReadAheadChannel r = new ReadAheadChannel(ch);
            assertEquals(data.length, r.size());
            for (int i = 0; i < 2000; i++) {
                int pos = rnd.nextInt(data.length + 10);
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt(200_000) : rnd.nextInt(600);
                ByteBuffer b = ByteBuffer.allocate(len);
                r.position(pos);
                int got = 0;
                int n;
                while (b.hasRemaining() && (n = r.read(b)) > 0) {
                    got += n;
                }
                int want = Math.max(0, Math.min(len, data.length - pos));
                assertEquals(want, got, "read " + len + " at " + pos);
                assertArrayEquals(Arrays.copyOfRange(data, Math.min(pos, data.length), Math.min(pos, data.length) + want),
                        Arrays.copyOf(b.array(), got), "at " + pos);
                assertEquals(pos + got, r.position());
                if (pos >= data.length && len > 0) {
                    assertEquals(-1, r.read(ByteBuffer.allocate(1)));
                }
            }
        }
    }
}
