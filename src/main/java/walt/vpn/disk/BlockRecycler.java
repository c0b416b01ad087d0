package walt.vpn.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Heap buffers of one size handed out again once written. A writer that encodes tens of
 * thousands of small blocks (directory blocks, inode table blocks) would otherwise allocate
 * a fresh one each time: hundreds of megabytes that the JVM zeroes, pages in and collects, when
 * the few thousand blocks in flight at once would do.
 */
final class BlockRecycler {

    private final int size;
    private final int keep;
    // Copying zeros in is one bulk copy; Arrays.fill is a byte loop under the C1-only JIT walt
    // runs with.
    private final byte[] zeros;
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();

    /** Buffers of {@code size} bytes; at most {@code keep} wait to be reused. */
    BlockRecycler(int size, int keep) {
        this.size = size;
        this.keep = keep;
        this.zeros = new byte[size];
    }

    /** A buffer of the size, cleared and big-endian as a new one, its bytes left as they were. */
    ByteBuffer take() {
        ByteBuffer b = reused();
        return b != null ? b : ByteBuffer.allocate(size);
    }

    /** The same, all zeros. */
    ByteBuffer takeZeroed() {
        ByteBuffer b = reused();
        if (b == null) {
            return ByteBuffer.allocate(size); // a new one is zeroed already
        }
        System.arraycopy(zeros, 0, b.array(), 0, size);
        return b;
    }

    private ByteBuffer reused() {
        ByteBuffer b = free.poll();
        if (b == null) {
            return null;
        }
        kept.decrementAndGet();
        return b.clear().order(ByteOrder.BIG_ENDIAN);
    }

    /** Takes back a buffer nobody uses any more; one of another kind is left to the collector. */
    void give(ByteBuffer b) {
        if (b.capacity() != size || !b.hasArray() || b.isReadOnly() || b.arrayOffset() != 0 || b.array().length != size) {
            return;
        }
        if (kept.incrementAndGet() > keep) {
            kept.decrementAndGet();
            return;
        }
        free.add(b);
    }
}
