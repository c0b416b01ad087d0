package walt.vpn.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A storage whose writes return at once and reach the target on a thread of their own, in the
 * order they were made. A writer that computes between many small writes (an ext4 directory
 * block, an inode table block) then never waits for the kernel, which serializes writes to one
 * file anyway. Small writes queued one after the other that continue one another (the blocks of
 * directories laid out in a row) go out as one write of up to 1 MiB instead of one system call
 * per 4 KiB block. Reads and {@link #flush()} first wait for the queued writes; a failed write is
 * reported by the next call.
 */
public final class WriteBehindStorage implements Storage {

    /** Writes below this size are gathered; larger ones go out as they are. */
    private static final int GATHER_BELOW = 64 << 10;
    private static final int GATHERED_MAX = 1 << 20;
    private static final Object STOP = new Object();
    private static final int BLOCK = 4096;

    /** One queued write; {@code after} runs once it is done, whatever became of it. */
    private record Write(long position, ByteBuffer src, Runnable after) {
    }

    private final Storage target;
    private final Semaphore budget;
    private final int budgetBytes;
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    /** Writes, latches to count down once the writes before them are done, and STOP. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread writer = new Thread(this::run, "write-behind");
    private final BlockRecycler blocks;
    private ByteBuffer gathered;
    private volatile boolean closed;

    /** At most {@code budgetBytes} of queued writes are held in memory. */
    public WriteBehindStorage(Storage target, int budgetBytes) {
        this.target = target;
        this.budgetBytes = budgetBytes;
        this.budget = new Semaphore(budgetBytes);
        this.blocks = new BlockRecycler(BLOCK, Math.max(1, budgetBytes / BLOCK));
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public long size() {
        return target.size();
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        ByteBuffer copy = src.remaining() <= BLOCK ? blocks.take() : ByteBuffer.allocate(src.remaining());
        writeGiven(position, copy.put(src).flip());
    }

    /**
     * A zeroed 4 KiB heap buffer to fill and hand to {@link #writeGiven}, which takes it back
     * for reuse once written.
     */
    public ByteBuffer newBlock() {
        return blocks.takeZeroed();
    }

    /**
     * Queues a write of {@code src} without copying it, for a caller that gives the buffer away
     * and never touches it again (a freshly encoded directory block): one copy of each such
     * block less to make and to collect. It counts against the budget like a copied one; a
     * 4 KiB one is reused by {@link #newBlock()} once written.
     */
    public void writeGiven(long position, ByteBuffer src) throws IOException {
        rethrow();
        int permits = Math.min(src.remaining(), budgetBytes);
        acquire(permits);
        queue(position, src, () -> {
            budget.release(permits);
            blocks.give(src);
        });
    }

    /**
     * Queues a write of {@code src} without copying it: the caller must not touch the buffer
     * until {@code done} runs (on the writer thread, after the write, even a failed one).
     */
    public void writeOwned(long position, ByteBuffer src, Runnable done) throws IOException {
        rethrow();
        queue(position, src, done);
    }

    private void queue(long position, ByteBuffer src, Runnable after) {
        if (closed) {
            after.run();
            throw new IllegalStateException("write-behind storage used after close");
        }
        queue.add(new Write(position, src, after));
    }

    /** The writer thread: the queue in order, continuing small writes gathered into one. */
    private void run() {
        List<Write> batch = new ArrayList<>();
        while (true) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread; the queue still has to be served
            }
            if (item == STOP) {
                return;
            }
            if (item instanceof CountDownLatch reached) {
                reached.countDown();
                continue;
            }
            Write first = (Write) item;
            batch.add(first);
            int bytes = first.src().remaining();
            if (bytes < GATHER_BELOW) {
                // Only this thread takes from the queue: what it peeks at is what it polls.
                while (queue.peek() instanceof Write next && next.position() == first.position() + bytes
                        && next.src().remaining() < GATHER_BELOW && bytes + next.src().remaining() <= GATHERED_MAX) {
                    queue.poll();
                    batch.add(next);
                    bytes += next.src().remaining();
                }
            }
            try {
                if (batch.size() == 1) {
                    perform(first.position(), first.src());
                } else {
                    if (gathered == null) {
                        gathered = ByteBuffer.allocateDirect(GATHERED_MAX);
                    }
                    gathered.clear();
                    for (Write w : batch) {
                        gathered.put(w.src());
                    }
                    perform(first.position(), gathered.flip());
                }
            } finally {
                for (Write w : batch) {
                    w.after().run();
                }
                batch.clear();
            }
        }
    }

    private void perform(long position, ByteBuffer src) {
        try {
            if (failure.get() == null) {
                target.write(position, src);
            }
        } catch (IOException e) {
            failure.compareAndSet(null, e);
        } catch (RuntimeException | Error e) {
            // Not lost on this thread: the writer hears of it at its next call.
            failure.compareAndSet(null, new IOException("write at " + position + " failed: " + e, e));
        }
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        drain();
        target.read(position, dst);
    }

    /** Waits until every queued write has reached the target. */
    public void drain() throws IOException {
        CountDownLatch reached = new CountDownLatch(1);
        queue.add(reached);
        try {
            reached.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        }
        rethrow();
    }

    @Override
    public void flush() throws IOException {
        drain();
        target.flush();
    }

    /** Drains what is queued (dropping it after a failure) and stops the thread; the target stays open. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void acquire(int permits) throws IOException {
        try {
            budget.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        }
    }

    private void rethrow() throws IOException {
        IOException e = failure.get();
        if (e != null) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
