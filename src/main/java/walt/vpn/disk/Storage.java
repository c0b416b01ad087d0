package walt.vpn.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A fixed-size run of bytes that filesystems live in: a whole image file or one partition of
 * it. Reads and writes are positional, so one storage can serve several readers at once.
 */
public interface Storage extends Closeable {

    long size();

    /** Fills {@code dst} from {@code position}; EOFException when that runs past the end. */
    void read(long position, ByteBuffer dst) throws IOException;

    /**
     * Writes all of {@code src} at {@code position}. On storage that starts out as holes,
     * all-zero 4 KiB blocks are not written at all, so images stay sparse.
     */
    void write(long position, ByteBuffer src) throws IOException;

    /** The window {@code [offset, offset+length)} of this storage; closing it does nothing. */
    default Storage slice(long offset, long length) {
        return new StorageSlice(this, offset, length);
    }

    default byte[] readBytes(long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        read(position, b);
        return b.array();
    }

    default void flush() throws IOException {
    }

    /**
     * Starts pushing what is written to durable media while the writing goes on, for a storage
     * that is flushed at the end anyway; closing the handle stops it and reports what failed.
     * A storage with nowhere to push does nothing.
     */
    default Closeable flushBehind() {
        return () -> { };
    }
}
