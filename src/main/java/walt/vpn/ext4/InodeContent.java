package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;

/** A regular file's bytes inside an ext4 image: its block runs, read on demand; holes read as zeros. */
final class InodeContent implements Content {

    private final Storage fs;
    private final int blockSize;
    private final long size;
    private final List<BlockRun> runs;

    InodeContent(Storage fs, int blockSize, long size, List<BlockRun> runs) {
        this.fs = fs;
        this.blockSize = blockSize;
        this.size = size;
        List<BlockRun> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Long.compare(a.logical(), b.logical()));
        this.runs = List.copyOf(sorted);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public List<DataRange> dataRanges() {
        List<DataRange> out = new ArrayList<>();
        for (BlockRun r : runs) {
            if (r.unwritten()) {
                continue;
            }
            long start = r.logical() * blockSize;
            long end = Math.min(size, (r.logical() + r.length()) * blockSize);
            if (end > start) {
                out.add(new DataRange(start, end - start));
            }
        }
        out.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return out;
    }

    @Override
    public SeekableByteChannel open() {
        return new SeekableByteChannel() {
            private long position;
            private boolean open = true;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                if (position >= size) {
                    return -1;
                }
                int want = (int) Math.min(dst.remaining(), size - position);
                long logical = position / blockSize;
                int inBlock = (int) (position % blockSize);
                BlockRun run = find(logical);
                int n;
                if (run == null || run.unwritten()) {
                    long holeEnd = nextRunStart(logical) * blockSize;
                    n = (int) Math.min(want, Math.max(1, holeEnd - position));
                    for (int i = 0; i < n; i++) {
                        dst.put((byte) 0);
                    }
                } else {
                    long runEndByte = (run.logical() + run.length()) * blockSize;
                    n = (int) Math.min(want, runEndByte - position);
                    ByteBuffer view = dst.slice();
                    view.limit(n);
                    fs.read((run.physical() + (logical - run.logical())) * blockSize + inBlock, view);
                    dst.position(dst.position() + n);
                }
                position += n;
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

    private BlockRun find(long logical) {
        int lo = 0;
        int hi = runs.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            BlockRun r = runs.get(mid);
            if (logical < r.logical()) {
                hi = mid - 1;
            } else if (logical >= r.logical() + r.length()) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    private long nextRunStart(long logical) {
        long best = (size + blockSize - 1) / blockSize;
        for (BlockRun r : runs) {
            if (r.logical() > logical && r.logical() < best) {
                best = r.logical();
            }
        }
        return best;
    }
}
