package walt.vpn.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An output file that appears under its name only when complete: work goes to a hidden
 * temporary file beside the target, renamed on {@link #commit()}, deleted on {@link #close()}
 * otherwise, and also on Ctrl-C through a shutdown hook.
 */
public final class AtomicOutput implements AutoCloseable {

    private final Path target;
    private final Path temp;
    private final Thread cleanup;
    private boolean committed;

    public AtomicOutput(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        Path dir = this.target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(String.valueOf(dir), null, "output directory does not exist");
        }
        this.temp = dir.resolve("." + this.target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.deleteIfExists(temp);
        this.cleanup = new Thread(this::deleteTemp, "remove " + temp.getFileName());
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Where to write; it does not exist yet. */
    public Path tempPath() {
        return temp;
    }

    public Path target() {
        return target;
    }

    /** Renames the finished file into place, replacing what had the name. */
    public void commit() throws IOException {
        move();
    }

    /**
     * Renames the finished file and forces the rename to disk too, for an output already forced
     * itself: without its folder forced, a crash can still lose the name, or keep the old file.
     */
    public void commitDurably() throws IOException {
        move();
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private void move() throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    @Override
    public void close() {
        if (!committed) {
            deleteTemp();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or has run: nothing left to undo.
        }
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // Best effort while exiting; a leftover hidden .tmp file is harmless.
        }
    }
}
