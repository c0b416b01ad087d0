package walt.vpn.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.Content;
import walt.vpn.tree.InvalidDataException;

/** A file's bytes on a FAT volume, read through its cluster chain when opened. */
final class ChainContent implements Content {

    private final Storage storage;
    private final BootSector bs;
    private final FatTable table;
    private final long firstCluster;
    private final long size;
    private final String path;

    ChainContent(Storage storage, BootSector bs, FatTable table, long firstCluster, long size, String path) {
        this.storage = storage;
        this.bs = bs;
        this.table = table;
        this.firstCluster = firstCluster;
        this.size = size;
        this.path = path;
    }

    @Override
    public long size() {
        return size;
    }

    /** Runs of consecutive clusters as {first, count}, so reads span whole runs. */
    private List<long[]> runs() throws InvalidDataException {
        List<long[]> runs = new ArrayList<>();
        if (size == 0) {
            return runs;
        }
        if (firstCluster == 0) {
            throw new InvalidDataException(path + ": " + size + " bytes but no clusters");
        }
        List<Long> chain = table.chain(firstCluster, path);
        long needed = (size + bs.clusterBytes() - 1) / bs.clusterBytes();
        if (chain.size() < needed) {
            throw new InvalidDataException(path + ": " + size + " bytes but only " + chain.size() + " clusters");
        }
        for (int i = 0; i < needed; i++) {
            long c = chain.get(i);
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[0] + last[1] == c) {
                last[1]++;
            } else {
                runs.add(new long[] {c, 1});
            }
        }
        return runs;
    }

    @Override
    public SeekableByteChannel open() throws IOException {
        List<long[]> runs = runs();
        int cb = bs.clusterBytes();
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
                // Find the run holding position (runs are few for files this package writes).
                long before = 0;
                for (long[] r : runs) {
                    long runBytes = r[1] * cb;
                    if (position < before + runBytes) {
                        long inRun = position - before;
                        int n = (int) Math.min(dst.remaining(), Math.min(runBytes - inRun, size - position));
                        ByteBuffer piece = dst.slice();
                        piece.limit(n);
                        storage.read(bs.clusterOffset(r[0]) + inRun, piece);
                        dst.position(dst.position() + n);
                        position += n;
                        return n;
                    }
                    before += runBytes;
                }
                return -1;
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
                if (p < 0) {
                    throw new IllegalArgumentException("negative position");
                }
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
