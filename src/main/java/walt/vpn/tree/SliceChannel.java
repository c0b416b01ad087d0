package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only window {@code [offset, offset+length)} of a file channel, positioned at 0.
 * Bytes past the end of the underlying file read as zeros, so a truncated source yields a
 * file of the promised size rather than a short one.
 */
public final class SliceChannel implements SeekableByteChannel {

    private final FileChannel file;
    private final long offset;
    private final long length;
    private final boolean ownsFile;
    private long position;
    private boolean open = true;

    public SliceChannel(FileChannel file, long offset, long length) {
        this(file, offset, length, true);
    }

    /** With {@code ownsFile} false, closing this slice leaves the shared channel open. */
    public SliceChannel(FileChannel file, long offset, long length, boolean ownsFile) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.ownsFile = ownsFile;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (position >= length) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), length - position);
        if (want == 0) {
            return 0;
        }
        ByteBuffer view = dst.slice();
        view.limit(want);
        int n = file.read(view, offset + position);
        if (n <= 0) {
            // Past the end of the underlying file: the rest of the slice is zeros.
            n = want;
            for (int i = 0; i < n; i++) {
                view.put((byte) 0);
            }
        }
        dst.position(dst.position() + n);
        position += n;
        return n;
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
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
            throw new IllegalArgumentException("negative position");
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            if (ownsFile) {
                file.close();
            }
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}
