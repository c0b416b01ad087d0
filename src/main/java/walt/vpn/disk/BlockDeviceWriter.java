package walt.vpn.disk;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Writes an image's mapped ranges to a card and reads them back, as {@code bmaptool copy}
 * does: holes (4 KiB blocks of zeros, as in the block map) are not written, so what the card
 * held there before stays (bmaptool's behaviour too; the image's filesystems never read their
 * free blocks). The map comes from the one read of the image that writes it; the card's bytes
 * are read back after an fsync, bypassing the page cache where the device allows it, and
 * compared with the image's, so that what is checked is what the card holds.
 */
public final class BlockDeviceWriter {

    /** Large writes, on multiples of themselves: a card's erase blocks are a few MiB at most. */
    static final int CHUNK = 4 << 20;
    /** O_DIRECT wants buffers, offsets and lengths on the device's logical block: 4 KiB covers 512 too. */
    static final int ALIGN = 4096;
    /**
     * Data written through the page cache is flushed every this many bytes, as bmaptool does
     * every 6 MiB: the page cache then never holds much of the card, so the writer is not
     * throttled behind a mass of dirty pages (on a loop device, 1.0 s against 2.4 s for 540 MiB)
     * and the progress bar shows the card's pace.
     */
    static final long SYNC_EVERY = 8L << 20;
    /** The block map's block: a block of zeros is a hole, not written. */
    static final int MAP_BLOCK = 4096;

    private BlockDeviceWriter() {
    }

    /**
     * Copies the blocks of {@code image} that are not all zeros to {@code device} and fsyncs, in
     * one read of the image: the map is found as the blocks are written, and returned for
     * {@link #verify}. The same ranges as the image's block map.
     * {@code progress} gets the image's bytes as they are read.
     */
    public static List<MappedRange> write(Path image, Path device, LongConsumer progress) throws IOException {
        return write(image, List.of(new MappedRange(0, java.nio.file.Files.size(image))), device, progress);
    }

    /**
     * As {@link #write(Path, Path, LongConsumer)}, reading only {@code candidates}: the caller
     * knows the image is zeros everywhere else (its holes), which are then neither read nor
     * written. Ranges in offset order, not overlapping.
     */
    public static List<MappedRange> write(Path image, List<MappedRange> candidates, Path device, LongConsumer progress)
            throws IOException {
        List<MappedRange> ranges = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK + ALIGN).alignedSlice(ALIGN);
        try (FileChannel in = FileChannel.open(image); Card out = Card.open(device)) {
            long size = in.size();
            long rangeStart = -1;
            long previousEnd = 0;
            for (MappedRange candidate : candidates) {
                // Whole map blocks, so that the map is the same as from a read of the whole image.
                long from = candidate.offset() / MAP_BLOCK * MAP_BLOCK;
                long to = Math.min(size, (candidate.end() + MAP_BLOCK - 1) / MAP_BLOCK * MAP_BLOCK);
                if (from < previousEnd) {
                    throw new IllegalArgumentException("candidate ranges overlap or are out of order at " + candidate.offset());
                }
                if (rangeStart >= 0 && from > previousEnd) {
                    ranges.add(new MappedRange(rangeStart, previousEnd - rangeStart));
                    rangeStart = -1;
                }
                for (long pos = from; pos < to; ) {
                    int n = chunk(pos, to);
                    buf.clear().limit(n);
                    readFully(in, buf, pos, image);
                    int pieceStart = -1; // where the chunk's data not yet written starts
                    for (int off = 0; off < n; off += MAP_BLOCK) {
                        int blockEnd = Math.min(off + MAP_BLOCK, n);
                        if (ImageFile.isZero(buf, off, blockEnd)) {
                            if (pieceStart >= 0) {
                                out.write(buf.slice(pieceStart, off - pieceStart), pos + pieceStart);
                                pieceStart = -1;
                            }
                            if (rangeStart >= 0) {
                                ranges.add(new MappedRange(rangeStart, pos + off - rangeStart));
                                rangeStart = -1;
                            }
                        } else {
                            pieceStart = pieceStart < 0 ? off : pieceStart;
                            rangeStart = rangeStart < 0 ? pos + off : rangeStart;
                        }
                    }
                    if (pieceStart >= 0) {
                        out.write(buf.slice(pieceStart, n - pieceStart), pos + pieceStart);
                    }
                    pos += n;
                    progress.accept(n);
                }
                previousEnd = Math.max(previousEnd, to);
            }
            if (rangeStart >= 0) {
                ranges.add(new MappedRange(rangeStart, previousEnd - rangeStart));
            }
            out.flush();
        }
        return ranges;
    }

    /**
     * The card, written past the page cache (O_DIRECT) where it allows: the writes then never
     * wait behind other files' dirty pages (the image just made is one: with it unwritten, a
     * buffered copy to a loop device took 3 to 6 s against 0.5 s), and what returns is on the
     * device. A device that refuses O_DIRECT is written through the page cache, flushed every
     * {@link #SYNC_EVERY} bytes. A piece whose length is not a multiple of the device's block
     * (an image whose size is not) goes through the page cache too.
     */
    private static final class Card implements AutoCloseable {
        private final Path path;
        private final FileChannel direct;
        private FileChannel buffered;
        private long unsynced;

        private Card(Path path, FileChannel direct, FileChannel buffered) {
            this.path = path;
            this.direct = direct;
            this.buffered = buffered;
        }

        static Card open(Path device) throws IOException {
            FileChannel direct = openDirect(device, StandardOpenOption.WRITE);
            return new Card(device, direct, direct != null ? null : FileChannel.open(device, StandardOpenOption.WRITE));
        }

        void write(ByteBuffer b, long pos) throws IOException {
            if (direct != null && b.remaining() % ALIGN == 0) {
                writeFully(direct, b, pos);
                return;
            }
            if (buffered == null) {
                buffered = FileChannel.open(path, StandardOpenOption.WRITE);
            }
            unsynced += writeFully(buffered, b, pos);
            if (unsynced >= SYNC_EVERY) {
                buffered.force(false);
                unsynced = 0;
            }
        }

        /** What was written is on the card, past its own cache. */
        void flush() throws IOException {
            if (buffered != null) {
                buffered.force(true);
            }
            if (direct != null) {
                direct.force(true);
            }
        }

        @Override
        public void close() throws IOException {
            try (FileChannel d = direct; FileChannel b = buffered) {
                // both closed
            }
        }
    }

    /**
     * Reads {@code ranges} back from {@code device} and compares them with {@code image}'s bytes;
     * an IOException names the first byte that differs. A comparison rather than bmaptool's
     * SHA-256 per range: as strict, and the launcher's C1-only JIT hashes ten times slower than
     * it compares (21 s against 2 s for a 540 MiB card on the machine of bench/setup-node-device.sh).
     */
    public static void verify(Path image, List<MappedRange> ranges, Path device, LongConsumer progress) throws IOException {
        ByteBuffer want = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer got = ByteBuffer.allocateDirect(CHUNK + ALIGN).alignedSlice(ALIGN);
        try (FileChannel img = FileChannel.open(image); FileChannel in = openUncached(device, StandardOpenOption.READ)) {
            for (MappedRange r : ranges) {
                for (long pos = r.offset(); pos < r.end(); ) {
                    int n = chunk(pos, r.end());
                    want.clear().limit(n);
                    readFully(img, want, pos, image);
                    // Whole aligned blocks are read; only the image's part of the last one is compared.
                    got.clear().limit(Math.min(got.capacity(), (n + ALIGN - 1) / ALIGN * ALIGN));
                    while (got.position() < n) {
                        if (in.read(got, pos + got.position()) < 0) {
                            throw new IOException(device + " ended at byte " + (pos + got.position()) + ", inside the image");
                        }
                    }
                    int at = want.flip().mismatch(got.flip().limit(n));
                    if (at >= 0) {
                        throw new IOException("verification failed: byte " + (pos + at) + " read back from " + device
                                + " differs from " + image.getFileName() + " (a failing card?)");
                    }
                    pos += n;
                    progress.accept(n);
                }
            }
        }
    }

    /** Bytes from {@code pos} to the next multiple of CHUNK or {@code end}. */
    private static int chunk(long pos, long end) {
        return (int) (Math.min(end, (pos / CHUNK + 1) * CHUNK) - pos);
    }

    /** O_DIRECT where the device takes it (block devices do; tmpfs files may not): else the page cache. */
    private static FileChannel openUncached(Path device, StandardOpenOption mode) throws IOException {
        FileChannel direct = openDirect(device, mode);
        return direct != null ? direct : FileChannel.open(device, mode);
    }

    /** {@code device} opened O_DIRECT, or null where it refuses that. */
    private static FileChannel openDirect(Path device, StandardOpenOption mode) {
        try {
            return FileChannel.open(device, new OpenOption[] {mode, ExtendedOpenOption.DIRECT});
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Writes all of {@code b} at {@code pos}; returns how many bytes that was. */
    private static int writeFully(FileChannel out, ByteBuffer b, long pos) throws IOException {
        int n = b.remaining();
        long at = pos;
        while (b.hasRemaining()) {
            at += out.write(b, at);
        }
        return n;
    }

    private static void readFully(FileChannel in, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (in.read(buf, pos + buf.position()) < 0) {
                throw new IOException(file + ": shorter than its block map");
            }
        }
    }
}
