package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only view of a file channel that reads ahead in 64 KiB windows. Commons Compress's
 * {@code TarFile} parses PAX headers one byte at a time, each byte a positioned read of the
 * channel; with a PAX header on every entry that made importing a 50,000-entry archive take
 * seconds of system calls. Reads larger than the window go straight to the file.
 */
final class ReadAheadChannel implements SeekableByteChannel {

    private static final int WINDOW = 64 << 10;

    private final FileChannel file;
    /** Read once: asking the file each time would be a system call per byte again. */
    private final long size;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW);
    private long windowStart = -1;
    private long position;
    private boolean open = true;

    ReadAheadChannel(FileChannel file) throws IOException {
        this.file = file;
        this.size = file.size();
        window.limit(0);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (position >= size) {
            return -1;
        }
        if (dst.remaining() >= WINDOW) {
            int n = file.read(dst, position);
            if (n > 0) {
                position += n;
            }
            return n;
        }
        if (windowStart < 0 || position < windowStart || position >= windowStart + window.limit()) {
            fill();
            if (window.limit() == 0) {
                return -1;
            }
        }
        int at = (int) (position - windowStart);
        int n = Math.min(dst.remaining(), window.limit() - at);
        dst.put(window.array(), at, n);
        position += n;
        return n;
    }

    private void fill() throws IOException {
        window.clear();
        windowStart = position;
        while (window.hasRemaining()) {
            if (file.read(window, windowStart + window.position()) < 0) {
                break;
            }
        }
        window.flip();
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public SeekableByteChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Leaves the file open: its owner closes it. */
    @Override
    public void close() {
        open = false;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}
