package walt.vpn.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second; silent when the
 * command does not run on a terminal, so logs and pipes stay clean.
 */
final class ProgressBar implements AutoCloseable {

    private final String label;
    private final long total;
    private final PrintStream err;
    private final boolean enabled;
    private long done;
    private long lastDraw;

    ProgressBar(String label, long total) {
        this(label, total, System.err, System.console() != null && !"dumb".equals(System.getenv("TERM")));
    }

    ProgressBar(String label, long total, PrintStream err, boolean enabled) {
        this.label = label;
        this.total = Math.max(1, total);
        this.err = err;
        this.enabled = enabled;
    }

    synchronized void advance(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (enabled && now - lastDraw > 100_000_000L) {
            lastDraw = now;
            draw();
        }
    }

    private void draw() {
        int pct = (int) Math.min(100, done * 100 / total);
        int width = 30;
        int filled = pct * width / 100;
        err.printf("\r%s [%s%s] %3d%% %s", label, "#".repeat(filled), " ".repeat(width - filled), pct, human(done));
        err.flush();
    }

    static String human(long bytes) {
        if (bytes < 1 << 20) {
            return (bytes >> 10) + " KiB";
        }
        return bytes < 1L << 30 ? String.format("%.1f MiB", bytes / 1048576.0) : String.format("%.2f GiB", bytes / 1073741824.0);
    }

    @Override
    public synchronized void close() {
        if (enabled) {
            done = Math.max(done, total);
            draw();
            err.println();
        }
    }
}
