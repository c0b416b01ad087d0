package walt.vpn.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.LongConsumer;
import walt.vpn.disk.Storage;

/**
 * Reports the bytes a writer puts into storage to a progress bar: the writers need no
 * progress API of their own, and stay silent in library use.
 */
public final class ProgressStorage implements Storage {

    private final Storage target;
    private final LongConsumer written;

    public ProgressStorage(Storage target, LongConsumer written) {
        this.target = target;
        this.written = written;
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
        written.accept(n);
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
