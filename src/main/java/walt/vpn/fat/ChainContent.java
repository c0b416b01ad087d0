package walt.vpn.fat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import walt.vpn.disk.Storage;
import walt.vpn.tree.Content;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.ReadOnlyChannel;

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

    /** Runs of consecutive clusters, so reads span whole runs. */
    private List<FatTable.ClusterRun> runs() throws InvalidDataException {
        if (size == 0) {
            return List.of();
        }
        if (firstCluster == 0) {
            throw new InvalidDataException(path + ": " + size + " bytes but no clusters");
        }
        long needed = (size + bs.clusterBytes() - 1) / bs.clusterBytes();
        List<FatTable.ClusterRun> runs = table.runs(firstCluster, needed, path);
        long have = 0;
        for (FatTable.ClusterRun r : runs) {
            have += r.count();
        }
        if (have < needed) {
            throw new InvalidDataException(path + ": " + size + " bytes but only " + have + " clusters");
        }
        return runs;
    }

    @Override
    public SeekableByteChannel open() throws IOException {
        List<FatTable.ClusterRun> runs = runs();
        int cb = bs.clusterBytes();
        return new ReadOnlyChannel(size) {
            private int run;
            private long runStartByte;

            @Override
            protected int readAt(long position, ByteBuffer dst) throws IOException {
                // Sequential reads continue in the run found last time; seeks back start over.
                if (position < runStartByte) {
                    run = 0;
                    runStartByte = 0;
                }
                while (run < runs.size()) {
                    FatTable.ClusterRun r = runs.get(run);
                    long runBytes = r.count() * cb;
                    if (position < runStartByte + runBytes) {
                        long inRun = position - runStartByte;
                        int n = (int) Math.min(dst.remaining(), runBytes - inRun);
                        dst.limit(dst.position() + n);
                        storage.read(bs.clusterOffset(r.first()) + inRun, dst);
                        return n;
                    }
                    runStartByte += runBytes;
                    run++;
                }
                throw new InvalidDataException("cluster chain shorter than the file size");
            }
        };
    }
}
