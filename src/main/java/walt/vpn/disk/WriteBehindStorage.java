package walt.vpn.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A storage whose writes return at once and reach the target on a thread of their own, in the
 * order they were made. A writer that computes between many small writes (an ext4 directory
 * block, an inode table block) then never waits for the kernel, which serializes writes to one
 * file anyway. Reads and {@link #flush()} first wait for the queued writes; a failed write is
 * reported by the next call.
 */
public final class WriteBehindStorage implements Storage {

    private final Storage target;
    private final Semaphore budget;
    private final int budgetBytes;
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "write-behind");
        t.setDaemon(true);
        return t;
    });

    /** At most {@code budgetBytes} of queued writes are held in memory. */
    public WriteBehindStorage(Storage target, int budgetBytes) {
        this.target = target;
        this.budgetBytes = budgetBytes;
        this.budget = new Semaphore(budgetBytes);
    }

    @Override
    public long size() {
        return target.size();
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        writeGiven(position, ByteBuffer.allocate(src.remaining()).put(src).flip());
    }

    /**
     * Queues a write of {@code src} without copying it, for a caller that gives the buffer away
     * and never touches it again (a freshly encoded directory block): one copy of each such
     * block less to make and to collect. It counts against the budget like a copied one.
     */
    public void writeGiven(long position, ByteBuffer src) throws IOException {
        rethrow();
        int permits = Math.min(src.remaining(), budgetBytes);
        acquire(permits);
        queue(position, src, () -> budget.release(permits));
    }

    /**
     * Queues a write of {@code src} without copying it: the caller must not touch the buffer
     * until {@code done} runs (on the writer thread, after the write, even a failed one).
     */
    public void writeOwned(long position, ByteBuffer src, Runnable done) throws IOException {
        rethrow();
        queue(position, src, done);
    }

    /** The write on the writer thread; {@code after} runs whatever became of it. */
    private void queue(long position, ByteBuffer src, Runnable after) {
        writer.execute(() -> {
            try {
                if (failure.get() == null) {
                    target.write(position, src);
                }
            } catch (IOException e) {
                failure.compareAndSet(null, e);
            } catch (RuntimeException | Error e) {
                // Not lost in the executor: the writer hears of it at its next call.
                failure.compareAndSet(null, new IOException("write at " + position + " failed: " + e, e));
            } finally {
                after.run();
            }
        });
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        drain();
        target.read(position, dst);
    }

    /** Waits until every queued write has reached the target. */
    public void drain() throws IOException {
        // One thread runs the writes in order: a no-op queued now ends after all of them.
        try {
            writer.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
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
        writer.shutdown();
        try {
            writer.awaitTermination(1, TimeUnit.DAYS);
        } catch (InterruptedException e) {
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
