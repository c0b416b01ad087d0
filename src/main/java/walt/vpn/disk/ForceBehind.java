package walt.vpn.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Forces a file to disk over and over on a thread of its own while the file is being written,
 * for an output that is forced at the end anyway: the disk then takes the data while the writer
 * computes, and the last force has little left to do. (Left to the kernel, a GiB of fresh page
 * cache is only written back when the final fsync asks: on a 2-core machine here, mkfs --sync of
 * 1.2 GB took 4.1 s that way and 3.4 s with this.)
 *
 * <p>The thread is stopped by {@link #close()}, never interrupted: an interrupt during a force
 * would close the channel under the writer. Linux reports a write-back error to one fsync only,
 * which may have been one of these, so close rethrows the first failure seen.
 */
public final class ForceBehind implements Closeable {

    /** A force quicker than this found little to write: the thread then pauses rather than spin. */
    private static final long QUICK_NANOS = 2_000_000;
    private static final long PAUSE_MILLIS = 10;

    private final FileChannel channel;
    private final Thread thread;
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile boolean stopped;

    private ForceBehind(FileChannel channel) {
        this.channel = channel;
        this.thread = new Thread(this::run, "force-behind");
        thread.setDaemon(true);
    }

    /** Starts forcing {@code channel}, which must stay open until this is closed. */
    public static ForceBehind start(FileChannel channel) {
        ForceBehind f = new ForceBehind(channel);
        f.thread.start();
        return f;
    }

    private void run() {
        try {
            while (!stopped) {
                long t = System.nanoTime();
                channel.force(false);
                if (System.nanoTime() - t < QUICK_NANOS) {
                    Thread.sleep(PAUSE_MILLIS);
                }
            }
        } catch (IOException e) {
            failure.set(e);
        } catch (InterruptedException e) {
            // Nobody interrupts this thread; if something does, it just stops early.
        }
    }

    /** Stops the forcing (after the force under way) and reports the first that failed. */
    @Override
    public void close() throws IOException {
        stopped = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        IOException e = failure.get();
        if (e != null) {
            throw new IOException("forcing the output to disk failed: " + e.getMessage(), e);
        }
    }
}
