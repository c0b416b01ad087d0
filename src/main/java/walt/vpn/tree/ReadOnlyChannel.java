package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * The channel every {@link Content} opens: read-only, of a fixed size, seekable. Subclasses say
 * only how to read at a position; bounds, position and closing are handled here once.
 */
public abstract class ReadOnlyChannel implements SeekableByteChannel {

    private final long size;
    private long position;
    private boolean open = true;

    protected ReadOnlyChannel(long size) {
        this.size = size;
    }

    /**
     * Reads at {@code position} into {@code dst}, which has room for at least one byte and no
     * more than remain before the end; returns how many bytes were read (at least one).
     */
    protected abstract int readAt(long position, ByteBuffer dst) throws IOException;

    /** Releases what the channel holds; called once. */
    protected void onClose() throws IOException {
    }

    @Override
    public final int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (position >= size) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), size - position);
        if (want == 0) {
            return 0;
        }
        ByteBuffer view = dst.slice();
        view.limit(want);
        int n = readAt(position, view);
        dst.position(dst.position() + n);
        position += n;
        return n;
    }

    @Override
    public final int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public final long position() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        return position;
    }

    @Override
    public final SeekableByteChannel position(long newPosition) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position");
        }
        position = newPosition;
        return this;
    }

    @Override
    public final long size() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        return size;
    }

    @Override
    public final SeekableByteChannel truncate(long s) {
        throw new NonWritableChannelException();
    }

    @Override
    public final boolean isOpen() {
        return open;
    }

    @Override
    public final void close() throws IOException {
        if (open) {
            open = false;
            onClose();
        }
    }

    /** Fills {@code n} bytes of {@code dst} with zeros: holes. */
    protected static void zeros(ByteBuffer dst, int n) {
        for (int i = 0; i < n; i++) {
            dst.put((byte) 0);
        }
    }
}
