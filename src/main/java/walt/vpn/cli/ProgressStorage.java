package walt.vpn.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import walt.vpn.disk.Storage;

/**
 * Reports the bytes a writer puts into storage to a progress bar: the writers need no
 * progress API of their own, and stay silent in library use.
 */
final class ProgressStorage implements Storage {

    private final Storage target;
    private final ProgressBar bar;

    ProgressStorage(Storage target, ProgressBar bar) {
        this.target = target;
        this.bar = bar;
    }

    @Override
    public long size() {
        return target.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        target.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        int n = src.remaining();
        target.write(position, src);
        bar.advance(n);
    }

    @Override
    public void flush() throws IOException {
        target.flush();
    }

    @Override
    public void close() {
        // The wrapped storage belongs to the caller.
    }
}
