package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-only window {@code [offset, offset+length)} of a file channel, positioned at 0.
 * Bytes past the end of the underlying file read as zeros, so a truncated source yields a
 * file of the promised size rather than a short one.
 */
public final class SliceChannel extends ReadOnlyChannel {

    private final FileChannel file;
    private final long offset;
    private final boolean ownsFile;

    public SliceChannel(FileChannel file, long offset, long length) {
        this(file, offset, length, true);
    }

    /** With {@code ownsFile} false, closing this slice leaves the shared channel open. */
    public SliceChannel(FileChannel file, long offset, long length, boolean ownsFile) {
        super(length);
        this.file = file;
        this.offset = offset;
        this.ownsFile = ownsFile;
    }

    @Override
    protected int readAt(long position, ByteBuffer dst) throws IOException {
        int n = file.read(dst, offset + position);
        if (n <= 0) {
            // Past the end of the underlying file: the rest of the slice is zeros.
            n = dst.remaining();
            zeros(dst, n);
        }
        return n;
    }

    @Override
    protected void onClose() throws IOException {
        if (ownsFile) {
            file.close();
        }
    }
}
