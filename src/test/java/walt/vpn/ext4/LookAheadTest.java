package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LookAheadTest {

    @Test
    void resultsComeInOrderAndNoMoreThanTheWindowAhead() throws Exception {
        AtomicInteger started = new AtomicInteger();
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            tasks.add(() -> {
                started.incrementAndGet();
                return n * n;
            });
        }
        try (LookAhead<Integer> ahead = new LookAhead<>("test-ahead", tasks, 8)) {
            for (int i = 0; i < 200; i++) {
                assertEquals(i * i, ahead.take());
                // Taken i + 1 so far: at most a window more have been handed to the thread.
                assertTrue(started.get() <= i + 1 + 8, "started " + started.get() + " after taking " + (i + 1));
            }
            assertThrows(IllegalStateException.class, ahead::take);
        }
    }

    @Test
    void aTaskFailureReachesTheTaker() {
        IOException io = new IOException("bad entry");
        IllegalArgumentException runtime = new IllegalArgumentException("bad name");
        List<Callable<String>> tasks = List.of(() -> "ok", () -> {
            throw io;
        }, () -> {
            throw runtime;
        }, () -> {
            throw new Exception("checked");
        });
        try (LookAhead<String> ahead = new LookAhead<>("test-ahead", tasks, 4)) {
            assertEquals("ok", assertDoesNotThrowIo(ahead));
            assertSame(io, assertThrows(IOException.class, ahead::take));
            assertSame(runtime, assertThrows(IllegalArgumentException.class, ahead::take));
            assertEquals("checked", assertThrows(IOException.class, ahead::take).getCause().getMessage());
        }
    }

    private static String assertDoesNotThrowIo(LookAhead<String> ahead) {
        try {
            return ahead.take();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
