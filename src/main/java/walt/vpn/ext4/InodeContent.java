package walt.vpn.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;
import walt.vpn.tree.ReadOnlyChannel;

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
        return new ReadOnlyChannel(size) {
            @Override
            protected int readAt(long position, ByteBuffer dst) throws IOException {
                int want = dst.remaining();
                long logical = position / blockSize;
                BlockRun run = find(logical);
                if (run == null || run.unwritten()) {
                    long holeEnd = nextRunStart(logical) * blockSize;
                    int n = (int) Math.min(want, Math.max(1, holeEnd - position));
                    zeros(dst, n);
                    return n;
                }
                int n = (int) Math.min(want, (run.logical() + run.length()) * blockSize - position);
                dst.limit(dst.position() + n);
                fs.read((run.physical() + (logical - run.logical())) * blockSize + position % blockSize, dst);
                return n;
            }
        };
    }

    private BlockRun find(long logical) {
        return BlockRun.find(runs, logical);
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
