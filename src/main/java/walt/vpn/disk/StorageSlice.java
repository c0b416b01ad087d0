package walt.vpn.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A partition's view of its disk: bounds-checked, offset-shifted. */
final class StorageSlice implements Storage {

    private final Storage parent;
    private final long offset;
    private final long length;

    StorageSlice(Storage parent, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > parent.size()) {
            throw new IllegalArgumentException("slice " + offset + "+" + length + " outside storage of " + parent.size() + " bytes");
        }
        this.parent = parent;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        check(position, dst.remaining());
        parent.read(offset + position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        check(position, src.remaining());
        parent.write(offset + position, src);
    }

    @Override
    public void flush() throws IOException {
        parent.flush();
    }

    @Override
    public void close() {
    }

    private void check(long position, int count) throws EOFException {
        if (position < 0 || position + count > length) {
            throw new EOFException("access at " + position + "+" + count + " beyond the end (" + length + " bytes)");
        }
    }
}
