package walt.vpn.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.MappedRange;

/**
 * Copies an image into a new sparse file: zero blocks stay holes, as {@code cp --sparse=always}
 * leaves them, so a 2 GB card image with 700 MB of data costs 700 MB of disk and of writes.
 */
final class SparseCopy {

    private static final int CHUNK = 8 << 20;
    /** At most this much per transfer: an interrupt is noticed between transfers, not inside one. */
    private static final long TRANSFER = 64L << 20;
    static final int BLOCK = 4096;

    private SparseCopy() {
    }

    /**
     * Copies only the given ranges (from a scan made when the base was cached), in the kernel:
     * the holes between them are never read. {@code to} exists and is empty; it takes
     * {@code from}'s size first, so that its parts can be used while the rest is copied.
     * {@code first} (in bytes from the start) is copied first and then reported to
     * {@code firstCopied}: the partition the caller edits, while the copy goes on past it.
     */
    static void copy(Path from, Path to, List<MappedRange> dataRanges, long first, Runnable firstCopied) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ); ImageFile out = ImageFile.fillSparse(to, in.size())) {
            MappedRange head = new MappedRange(0, Math.min(first, out.size()));
            transfer(in, out, MappedRange.within(dataRanges, head), from);
            firstCopied.run();
            transfer(in, out, MappedRange.without(dataRanges, head), from);
        }
    }

    private static void transfer(FileChannel in, ImageFile out, List<MappedRange> ranges, Path from) throws IOException {
        for (MappedRange range : ranges) {
            long pos = range.offset();
            long end = Math.min(out.size(), range.end());
            while (pos < end) {
                long n = in.transferTo(pos, Math.min(TRANSFER, end - pos), out.channel().position(pos));
                if (n <= 0) {
                    throw new IOException(from + ": shorter than its block map");
                }
                pos += n;
            }
        }
    }

    /** Copies {@code from} into {@code to}, which exists and is empty. */
    static void copy(Path from, Path to) throws IOException {
        try (ImageFile in = ImageFile.openReadOnly(from); ImageFile out = ImageFile.fillSparse(to, in.size())) {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            for (long pos = 0; pos < in.size(); pos += CHUNK) {
                buf.clear().limit((int) Math.min(CHUNK, in.size() - pos));
                in.read(pos, buf);
                buf.flip();
                // The sparse image drops all-zero 4 KiB blocks instead of writing them.
                out.write(pos, buf);
            }
        }
    }
}
