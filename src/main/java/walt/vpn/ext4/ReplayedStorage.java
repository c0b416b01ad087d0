package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import walt.vpn.disk.Storage;

/**
 * A filesystem as it is once its journal is replayed, without writing to it: reads of a block
 * the journal holds a newer copy of are served from that copy in the log, every other read
 * from the image. The copies stay on disk, so the overlay costs a map entry per block.
 */
final class ReplayedStorage implements Storage {

    /** Where the current copy of a block is, and whether its first 4 bytes were escaped in the log. */
    record Redirect(long logBlock, boolean escaped) {
    }

    /** The bytes the log zeroes at the start of a block that began with the journal magic. */
    private static final int ESCAPED_BYTES = 4;

    private final Storage image;
    private final int blockSize;
    private final NavigableMap<Long, Redirect> overlay;

    ReplayedStorage(Storage image, int blockSize, Map<Long, Redirect> overlay) {
        this.image = image;
        this.blockSize = blockSize;
        this.overlay = new TreeMap<>(overlay);
    }

    @Override
    public long size() {
        return image.size();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            long block = pos / blockSize;
            int inBlock = (int) (pos % blockSize);
            Map.Entry<Long, Redirect> next = overlay.ceilingEntry(block);
            int n;
            if (next == null || next.getKey() > block) {
                // Up to the next replayed block in one read of the image.
                long until = next == null ? Long.MAX_VALUE : next.getKey() * blockSize;
                n = (int) Math.min(dst.remaining(), until - pos);
                readInto(pos, dst, n);
            } else {
                Redirect r = next.getValue();
                n = Math.min(dst.remaining(), blockSize - inBlock);
                int start = dst.position();
                readInto(r.logBlock() * blockSize + inBlock, dst, n);
                if (r.escaped()) {
                    byte[] magic = ByteBuffer.allocate(ESCAPED_BYTES).order(ByteOrder.BIG_ENDIAN).putInt(JournalSuperblock.MAGIC).array();
                    for (int i = inBlock; i < ESCAPED_BYTES && i - inBlock < n; i++) {
                        dst.put(start + i - inBlock, magic[i]);
                    }
                }
            }
            pos += n;
        }
    }

    private void readInto(long pos, ByteBuffer dst, int n) throws IOException {
        ByteBuffer part = dst.duplicate();
        part.limit(part.position() + n);
        image.read(pos, part);
        dst.position(dst.position() + n);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        throw new IOException("a replayed journal is read-only");
    }

    @Override
    public void close() {
        // The image belongs to the caller.
    }
}
