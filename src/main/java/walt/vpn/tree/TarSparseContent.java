package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.List;

/**
 * A sparse tar member: its data runs are stored one after another in the archive, the holes
 * between them are not stored at all.
 */
final class TarSparseContent implements Content {

    private final TarArchiveSource tar;
    private final long offset;
    private final long size;
    private final List<DataRange> ranges;
    private final long[] storedAt;

    TarSparseContent(TarArchiveSource tar, long offset, long size, List<DataRange> ranges) {
        this.tar = tar;
        this.offset = offset;
        this.size = size;
        this.ranges = List.copyOf(ranges);
        this.storedAt = new long[ranges.size()];
        long s = 0;
        for (int i = 0; i < ranges.size(); i++) {
            storedAt[i] = s;
            s += ranges.get(i).length();
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public List<DataRange> dataRanges() {
        return ranges;
    }

    @Override
    public SeekableByteChannel open() throws IOException {
        FileChannel file = tar.acquire();
        return new ReadOnlyChannel(size) {
            @Override
            protected int readAt(long position, ByteBuffer dst) throws IOException {
                int want = dst.remaining();
                int i = rangeAtOrAfter(position);
                if (i < ranges.size() && ranges.get(i).offset() <= position) {
                    DataRange r = ranges.get(i);
                    dst.limit(dst.position() + (int) Math.min(want, r.end() - position));
                    int n = file.read(dst, offset + storedAt[i] + position - r.offset());
                    if (n <= 0) {
                        throw new IOException("tar archive shrank under a sparse member");
                    }
                    return n;
                }
                long holeEnd = i < ranges.size() ? ranges.get(i).offset() : size;
                int n = (int) Math.min(want, holeEnd - position);
                zeros(dst, n);
                return n;
            }

            /** The first range that ends after {@code p}. */
            private int rangeAtOrAfter(long p) {
                int lo = 0;
                int hi = ranges.size();
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (ranges.get(mid).end() <= p) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                return lo;
            }

            @Override
            protected void onClose() throws IOException {
                tar.release(file);
            }
        };
    }
}
