package walt.vpn.image;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * One-line progress bars on a terminal, one per stage, redrawn in place (carriage return) at
 * most ten times a second. Off a terminal it prints nothing at all: logs and pipes get only
 * what the command prints when it is done.
 */
public final class Progress {

    /** What a bar counts; bytes are shown in KiB, MiB or GiB. */
    public enum Unit {
        BYTES(""), PACKAGES("packages"), FILES("files"), STEPS("steps");

        private final String word;

        Unit(String word) {
            this.word = word;
        }
    }

    static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 24;
    private static final Progress SILENT = new Progress(null, () -> 0);

    private final PrintStream out;
    private final LongSupplier nanoClock;

    /**
     * @param out       where bars are drawn, or null for none
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
     */
    public Progress(PrintStream out, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
    }

    /** Prints nothing. */
    public static Progress silent() {
        return SILENT;
    }

    /**
     * Bars on stderr when the command runs on a terminal that can redraw a line, else silent.
     * {@code System.console()} is there only when the standard streams are not redirected.
     */
    public static Progress onTerminal() {
        boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        return terminal ? new Progress(System.err, System::nanoTime) : SILENT;
    }

    /** Whether bars are drawn at all: a total that takes work to find is wasted otherwise. */
    public boolean drawsBars() {
        return out != null;
    }

    /** A bar for {@code total} units (0 when unknown), drawn until it is closed. */
    public Bar bar(String label, long total, Unit unit) {
        Bar b = new Bar(label, total, unit);
        b.draw();
        return b;
    }

    /** The text of a bar, without the carriage return. */
    static String render(String label, long done, long total, Unit unit) {
        StringBuilder b = new StringBuilder(String.format("%-9s ", label));
        if (total > 0) {
            long shown = Math.min(done, total);
            int pct = (int) (shown * 100 / total);
            int filled = (int) (shown * WIDTH / total);
            b.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ");
            b.append(String.format("%3d%% ", pct));
            b.append(unit == Unit.BYTES ? bytes(shown) + " / " + bytes(total) : shown + "/" + total + " " + unit.word);
        } else {
            b.append(unit == Unit.BYTES ? bytes(done) : done + " " + unit.word);
        }
        return b.toString();
    }

    static String bytes(long n) {
        if (n < 1 << 20) {
            return (n >> 10) + " KiB";
        }
        return n < 1L << 30 ? String.format("%.1f MiB", n / 1048576.0) : String.format("%.2f GiB", n / 1073741824.0);
    }

    /** One stage's bar; {@link #advance} may be called from several threads. */
    public final class Bar implements AutoCloseable {

        private final String label;
        private final long total;
        private final Unit unit;
        private long done;
        private long lastDraw;
        private int lastLength;
        private boolean closed;

        private Bar(String label, long total, Unit unit) {
            this.label = label;
            this.total = Math.max(0, total);
            this.unit = unit;
        }

        public synchronized void advance(long n) {
            done += n;
            long now = nanoClock.getAsLong();
            if (now - lastDraw >= REDRAW_NANOS) {
                draw();
            }
        }

        /** Marks the work whole (a stage that ended well) and closes the bar. */
        public synchronized void finish() {
            done = Math.max(done, total);
            close();
        }

        /** Draws the last state and ends the line. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (out != null) {
                draw();
                out.println();
                out.flush();
            }
        }

        private void draw() {
            lastDraw = nanoClock.getAsLong();
            if (out == null) {
                return;
            }
            String line = render(label, done, total, unit);
            // Spaces over what a longer earlier line left on the terminal.
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            out.flush();
            lastLength = line.length();
        }
    }
}
