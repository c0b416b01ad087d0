package walt.vpn.testing;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;
import walt.vpn.tree.ReadOnlyChannel;

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

    @Override
    public SeekableByteChannel open() {
        return new ReadOnlyChannel(size) {
            @Override
            protected int readAt(long position, ByteBuffer dst) {
                DataRange r = rangeAt(position);
                long runEnd = r == null ? nextRangeStart(position) : r.end();
                int n = (int) Math.min(dst.remaining(), runEnd - position);
                for (int k = 0; k < n; k++) {
                    dst.put(r == null ? 0 : word(position + k));
                }
                return n;
            }
        };
    }
}
