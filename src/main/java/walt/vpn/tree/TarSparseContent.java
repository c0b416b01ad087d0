package walt.vpn.tree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
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
        return new SeekableByteChannel() {
            private long position;
            private boolean open = true;

            @Override
            public int read(ByteBuffer dst) throws IOException {
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
                int i = rangeAtOrAfter(position);
                ByteBuffer view = dst.slice();
                int n;
                if (i < ranges.size() && ranges.get(i).offset() <= position) {
                    DataRange r = ranges.get(i);
                    view.limit((int) Math.min(want, r.end() - position));
                    n = file.read(view, offset + storedAt[i] + position - r.offset());
                    if (n <= 0) {
                        throw new IOException("tar archive shrank under a sparse member");
                    }
                } else {
                    long holeEnd = i < ranges.size() ? ranges.get(i).offset() : size;
                    n = (int) Math.min(want, holeEnd - position);
                    for (int k = 0; k < n; k++) {
                        view.put((byte) 0);
                    }
                }
                dst.position(dst.position() + n);
                position += n;
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
            public void close() throws IOException {
                open = false;
                tar.release(file);
            }
        };
    }
}
