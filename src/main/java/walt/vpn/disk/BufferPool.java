package walt.vpn.disk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;

/**
 * A fixed number of buffers passed between a filling thread and the write-behind thread
 * ({@link WriteBehindStorage#writeOwned}): made on demand up to the bound, then reused, so the
 * memory held by data read but not yet written stays bounded.
 */
public final class BufferPool {

    private final BlockingQueue<ByteBuffer> free;
    private final int size;
    private final Supplier<ByteBuffer> make;
    private int made;

    /** At most {@code size} buffers, each from {@code make}. Taken on one thread only. */
    public BufferPool(int size, Supplier<ByteBuffer> make) {
        this.free = new ArrayBlockingQueue<>(size);
        this.size = size;
        this.make = make;
    }

    /** A cleared buffer, or null when all are in use. */
    public ByteBuffer poll() {
        ByteBuffer b = free.poll();
        if (b == null && made < size) {
            made++;
            b = make.get();
        }
        return b == null ? null : b.clear();
    }

    /** A cleared buffer, waiting for one to be given back when all are in use. */
    public ByteBuffer take() throws IOException {
        ByteBuffer b = poll();
        if (b != null) {
            return b;
        }
        try {
            return free.take().clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a buffer to be written");
        }
    }

    /** Gives a buffer back; any thread may. */
    public void release(ByteBuffer b) {
        free.add(b);
    }
}
