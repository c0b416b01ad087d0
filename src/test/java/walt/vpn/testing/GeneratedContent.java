package walt.vpn.testing;

import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;

/**
 * Content of any size computed from a seed and the byte position, so large and sparse test
 * files cost no memory: data inside {@code ranges}, zeros elsewhere.
 */
public final class GeneratedContent implements Content {

    private final long seed;
    private final long size;
    private final List<DataRange> ranges;

    public GeneratedContent(long seed, long size, List<DataRange> ranges) {
        this.seed = seed;
        this.size = size;
        this.ranges = List.copyOf(ranges);
    }

    public static GeneratedContent dense(long seed, long size) {
        return new GeneratedContent(seed, size, size == 0 ? List.of() : List.of(new DataRange(0, size)));
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public List<DataRange> dataRanges() {
        return ranges;
    }

    private DataRange rangeAt(long pos) {
        int lo = 0;
        int hi = ranges.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            DataRange r = ranges.get(mid);
            if (pos < r.offset()) {
                hi = mid - 1;
            } else if (pos >= r.end()) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    private long nextRangeStart(long pos) {
        for (DataRange r : ranges) {
            if (r.offset() > pos) {
                return r.offset();
            }
        }
        return size;
    }

    private byte word(long pos) {
        long x = (pos >>> 3) * 0x9E3779B97F4A7C15L + seed;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 32;
        byte b = (byte) (x >>> ((pos & 7) * 8));
        return b == 0 ? 1 : b;
    }

    byte at(long pos) {
        for (DataRange r : ranges) {
            if (pos >= r.offset() && pos < r.end()) {
                long x = (pos >>> 3) * 0x9E3779B97F4A7C15L + seed;
                x ^= x >>> 29;
                x *= 0xBF58476D1CE4E5B9L;
                x ^= x >>> 32;
                byte b = (byte) (x >>> ((pos & 7) * 8));
                // Never zero inside data, so data never looks like a hole.
                return b == 0 ? 1 : b;
            }
        }
        return 0;
    }

    @Override
    public SeekableByteChannel open() {
        return new SeekableByteChannel() {
            long position;
            boolean open = true;

            @Override
            public int read(ByteBuffer dst) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), size - position);
                int i = 0;
                DataRange r = rangeAt(position);
                while (i < n) {
                    if (r == null || position >= r.end() || position < r.offset()) {
                        r = rangeAt(position);
                    }
                    long runEnd = r == null ? nextRangeStart(position) : r.end();
                    int chunk = (int) Math.min(n - i, runEnd - position);
                    for (int k = 0; k < chunk; k++) {
                        dst.put(r == null ? 0 : word(position + k));
                    }
                    position += chunk;
                    i += chunk;
                }
                return n;
            }

            @Override
            public int write(ByteBuffer src) {
                throw new NonWritableChannelException();
            }

            @Override
            public long position() {
                return position;
            }

            @Override
            public SeekableByteChannel position(long p) {
                position = p;
                return this;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public SeekableByteChannel truncate(long s) {
                throw new NonWritableChannelException();
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }
}
