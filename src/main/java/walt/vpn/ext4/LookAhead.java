package walt.vpn.ext4;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Results of a list of tasks, computed in order on a thread of their own at most {@code window}
 * tasks ahead of the caller, who takes them in the same order. The writer encodes directory
 * blocks this way: the encoding needs nothing but the inode numbers, while placing the blocks
 * (allocation, writes, the directory's inode) must follow tree order on the writer's thread.
 */
final class LookAhead<T> implements Closeable {

    private final List<Callable<T>> tasks;
    private final int window;
    private final Deque<Future<T>> ahead = new ArrayDeque<>();
    private final ExecutorService worker;
    private int submitted;

    LookAhead(String threadName, List<Callable<T>> tasks, int window) {
        this.tasks = tasks;
        this.window = window;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** The result of the next task; its failure as an IOException (the original when it was one). */
    T take() throws IOException {
        topUp();
        Future<T> next = ahead.poll();
        if (next == null) {
            throw new IllegalStateException("all " + tasks.size() + " results were taken");
        }
        try {
            return next.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + Thread.currentThread().getName(), e);
        } finally {
            topUp();
        }
    }

    private void topUp() {
        while (ahead.size() < window && submitted < tasks.size()) {
            ahead.add(worker.submit(tasks.get(submitted++)));
        }
    }

    /** Stops the thread; results not taken are dropped. */
    @Override
    public void close() {
        worker.shutdownNow();
    }
}
