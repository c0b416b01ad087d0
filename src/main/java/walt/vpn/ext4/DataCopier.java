package walt.vpn.ext4;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import walt.vpn.disk.BufferPool;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.WriteBehindStorage;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;

/**
 * Copies the content of regular files into freshly allocated blocks, zero blocks becoming
 * holes. Copying a large tree is almost all kernel time spent moving bytes, so the reads run
 * ahead on worker threads and the writes behind on the storage's own thread; allocation stays
 * on the caller's thread and in file order, so the layout does not depend on scheduling.
 *
 * <p>Files are announced up front, in the order {@link #copy} will be called for them, and cut
 * into pieces of at most {@link #PIECE} bytes. Consecutive pieces share one buffer up to that
 * size: a run of small files is read by one task rather than one each, and, their blocks
 * following one another on disk, reaches the storage in one write rather than one per file. A
 * fixed pool of buffers bounds the memory held by batches read but not yet written.
 */
final class DataCopier implements Closeable {

    static final int PIECE = 1 << 20;
    private static final int BUFFERS = 24;
    private static final int PIECE_BLOCKS = PIECE / Geometry.BLOCK;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PIECE).asReadOnlyBuffer();

    /**
     * Blocks {@code [firstBlock, firstBlock + blocks)} of file {@code file}, read into its
     * batch's buffer from block {@code offset} on.
     */
    private record Piece(int file, long firstBlock, int blocks, int offset) {
    }

    /** Pieces {@code [first, end)}, read into one buffer by one task. */
    private record Batch(int first, int end) {
    }

    /** A run of blocks placed on disk: {@code blocks} blocks from buffer block {@code from} to block {@code physical}. */
    private record Placed(long physical, int from, int blocks) {
    }

    private final WriteBehindStorage out;
    private final BlockAllocator alloc;
    private final List<Content> files;
    private final List<Piece> pieces = new ArrayList<>();
    private final List<Batch> batches = new ArrayList<>();
    private final int[] firstPieceOf;
    private final int[] batchOf;
    private final List<Future<ByteBuffer>> reads;
    private final BufferPool buffers = new BufferPool(BUFFERS,
            () -> ByteBuffer.allocateDirect(PIECE + Geometry.BLOCK).alignedSlice(Geometry.BLOCK));
    private final ExecutorService workers;
    /** The runs of the batch being placed, written out once its last piece is placed. */
    private final List<Placed> placed = new ArrayList<>();
    private ByteBuffer current;
    private int submitted;
    private int nextFile;

    DataCopier(WriteBehindStorage out, BlockAllocator alloc, List<Content> files) throws IOException {
        this.out = out;
        this.alloc = alloc;
        this.files = files;
        this.firstPieceOf = new int[files.size() + 1];
        int batchStart = 0;
        int batchBlocks = 0;
        for (int f = 0; f < files.size(); f++) {
            firstPieceOf[f] = pieces.size();
            Content c = files.get(f);
            for (BlockSpan run : blockRuns(c.dataRanges(), c.size())) {
                for (long b = run.first(); b <= run.last(); b += PIECE_BLOCKS) {
                    int blocks = (int) Math.min(PIECE_BLOCKS, run.last() - b + 1);
                    if (batchBlocks + blocks > PIECE_BLOCKS) {
                        batches.add(new Batch(batchStart, pieces.size()));
                        batchStart = pieces.size();
                        batchBlocks = 0;
                    }
                    pieces.add(new Piece(f, b, blocks, batchBlocks));
                    batchBlocks += blocks;
                }
            }
        }
        if (batchStart < pieces.size()) {
            batches.add(new Batch(batchStart, pieces.size()));
        }
        firstPieceOf[files.size()] = pieces.size();
        this.batchOf = new int[pieces.size()];
        for (int i = 0; i < batches.size(); i++) {
            Arrays.fill(batchOf, batches.get(i).first(), batches.get(i).end(), i);
        }
        this.reads = new ArrayList<>(Collections.nCopies(batches.size(), null));
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "ext4-read-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The extents holding file number {@code file}, which must be the next one in the order
     * given to the constructor. Its blocks are allocated now; their bytes land when the
     * write-behind storage is drained.
     */
    List<Extent> copy(int file) throws IOException {
        if (file != nextFile) {
            throw new IllegalStateException("file " + file + " copied out of order (expected " + nextFile + ")");
        }
        nextFile++;
        List<Extent> extents = new ArrayList<>();
        for (int p = firstPieceOf[file]; p < firstPieceOf[file + 1]; p++) {
            int batch = batchOf[p];
            Piece piece = pieces.get(p);
            if (piece.offset() == 0) {
                if (batch >= submitted) {
                    // Every earlier batch has been consumed, so a buffer frees up once its writes end.
                    submit(buffers.take());
                }
                topUp();
                current = awaitRead(batch);
            }
            place(current, piece, extents);
            if (p == batches.get(batch).end() - 1) {
                writePlaced(current);
                current = null;
                topUp();
            }
        }
        return extents;
    }

    /** Waits for the readers; the writes queued meanwhile end when the storage is drained. */
    void finish() throws IOException {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(1, TimeUnit.DAYS)) {
                throw new IOException("file content copy did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying file content", e);
        }
    }

    /** Stops the readers. */
    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void topUp() throws IOException {
        while (submitted < batches.size()) {
            ByteBuffer b = buffers.poll();
            if (b == null) {
                return;
            }
            submit(b);
        }
    }

    private void submit(ByteBuffer buf) {
        Batch batch = batches.get(submitted);
        List<Piece> its = pieces.subList(batch.first(), batch.end());
        reads.set(submitted, workers.submit(() -> read(its, buf)));
        submitted++;
    }

    private ByteBuffer read(List<Piece> its, ByteBuffer buf) throws IOException {
        for (Piece piece : its) {
            int from = piece.offset() * Geometry.BLOCK;
            buf.limit(from + piece.blocks() * Geometry.BLOCK).position(from);
            try (SeekableByteChannel ch = files.get(piece.file()).open()) {
                ch.position(piece.firstBlock() * Geometry.BLOCK);
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        break; // the source shrank
                    }
                }
            }
            // The tail of the last block (and what a shrunken source no longer has) reads as zeros.
            buf.put(ZEROS.duplicate().limit(buf.remaining()));
        }
        return buf.clear();
    }

    private ByteBuffer awaitRead(int batch) throws IOException {
        Future<ByteBuffer> f = reads.set(batch, null);
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("reading file content failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying file content", e);
        }
    }

    /** Allocates blocks for the non-zero blocks of {@code piece} and records where they go. */
    private void place(ByteBuffer buf, Piece piece, List<Extent> extents) throws IOException {
        int n = piece.blocks();
        int i = 0;
        while (i < n) {
            if (isZeroBlock(buf, piece.offset() + i)) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < n && !isZeroBlock(buf, piece.offset() + j)) {
                j++;
            }
            int k = i;
            while (k < j) {
                BlockAllocator.Run got = alloc.allocateUpTo(Math.min(j - k, Extent.MAX_LENGTH));
                addPlaced(new Placed(got.start(), piece.offset() + k, (int) got.count()));
                addExtent(extents, piece.firstBlock() + k, (int) got.count(), got.start());
                k += (int) got.count();
            }
            i = j;
        }
    }

    /** Joins a run to the previous one when both the buffer and the disk continue it. */
    private void addPlaced(Placed run) {
        if (!placed.isEmpty()) {
            Placed last = placed.get(placed.size() - 1);
            if (last.from() + last.blocks() == run.from() && last.physical() + last.blocks() == run.physical()) {
                placed.set(placed.size() - 1, new Placed(last.physical(), last.from(), last.blocks() + run.blocks()));
                return;
            }
        }
        placed.add(run);
    }

    /** Queues the writes of the batch just placed; its buffer returns to the pool after the last. */
    private void writePlaced(ByteBuffer buf) throws IOException {
        if (placed.isEmpty()) {
            buffers.release(buf);
            return;
        }
        AtomicInteger left = new AtomicInteger(placed.size());
        for (Placed w : placed) {
            ByteBuffer part = buf.duplicate();
            part.limit((w.from() + w.blocks()) * Geometry.BLOCK).position(w.from() * Geometry.BLOCK);
            out.writeOwned(w.physical() * Geometry.BLOCK, part, () -> {
                if (left.decrementAndGet() == 0) {
                    buffers.release(buf);
                }
            });
        }
        placed.clear();
    }

    /** File blocks first to last, both included. */
    private record BlockSpan(long first, long last) {
    }

    /** The data ranges as ascending, disjoint spans of whole blocks. */
    private static List<BlockSpan> blockRuns(List<DataRange> ranges, long size) {
        List<BlockSpan> runs = new ArrayList<>();
        for (DataRange r : ranges) {
            if (r.offset() >= size) {
                continue;
            }
            long first = r.offset() / Geometry.BLOCK;
            long last = (Math.min(r.end(), size) - 1) / Geometry.BLOCK;
            BlockSpan prev = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (prev != null && first <= prev.last() + 1) {
                runs.set(runs.size() - 1, new BlockSpan(prev.first(), Math.max(prev.last(), last)));
            } else {
                runs.add(new BlockSpan(first, last));
            }
        }
        return runs;
    }

    private static void addExtent(List<Extent> extents, long logical, int len, long phys) {
        if (!extents.isEmpty()) {
            Extent last = extents.get(extents.size() - 1);
            if (last.logicalBlock() + last.length() == logical && last.physicalBlock() + last.length() == phys
                    && last.length() + len <= Extent.MAX_LENGTH) {
                extents.set(extents.size() - 1, new Extent(last.logicalBlock(), last.length() + len, last.physicalBlock(), false));
                return;
            }
        }
        extents.add(new Extent(logical, len, phys, false));
    }

    private static boolean isZeroBlock(ByteBuffer b, int block) {
        return ImageFile.isZero(b, block * Geometry.BLOCK, (block + 1) * Geometry.BLOCK);
    }
}
