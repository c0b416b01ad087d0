package walt.vpn.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw image file on the host as {@link Storage}. */
public final class ImageFile implements Storage {

    private static final int BLOCK = 4096;
    /** What {@link #isZero} compares with, a chunk at a time; never written. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();
    /**
     * Once {@link #writeLargeRunsDirect()} is on, aligned writes at least this large go around
     * the page cache: smaller ones, a directory or inode table block, are better gathered there.
     */
    private static final int DIRECT_MIN = 64 << 10;

    private final FileChannel channel;
    private final Path path;
    private final long size;
    private final boolean startsSparse;
    /** The same file opened with O_DIRECT, or null. */
    private FileChannel direct;

    private ImageFile(FileChannel channel, Path path, long size, boolean startsSparse) {
        this.channel = channel;
        this.path = path;
        this.size = size;
        this.startsSparse = startsSparse;
    }

    /** Opens an existing image read-only. */
    public static ImageFile openReadOnly(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        return new ImageFile(ch, path, ch.size(), false);
    }

    /** Opens an existing image for changes in place (never used on an input image). */
    public static ImageFile openReadWrite(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new ImageFile(ch, path, ch.size(), false);
    }

    /**
     * Creates {@code path} (which must not exist) as a hole of {@code size} bytes: nothing is
     * allocated on the host until non-zero data is written.
     */
    public static ImageFile createSparse(Path path, long size) throws IOException {
        return sparse(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                path, size);
    }

    /** The same in an empty file made beforehand (an output's placeholder). */
    public static ImageFile fillSparse(Path emptyFile, long size) throws IOException {
        return sparse(FileChannel.open(emptyFile, StandardOpenOption.READ, StandardOpenOption.WRITE), emptyFile, size);
    }

    private static ImageFile sparse(FileChannel ch, Path path, long size) throws IOException {
        try {
            if (ch.size() != 0) {
                throw new java.nio.file.FileAlreadyExistsException(path.toString(), null, "not empty: refusing to overwrite it");
            }
            if (size > 0) {
                // Extending by writing the last byte leaves everything before it a hole.
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new ImageFile(ch, path, size, true);
    }

    /**
     * From now on, writes of whole aligned blocks from an aligned direct buffer (file content
     * copied in runs of up to 1 MiB) go straight to the disk (O_DIRECT), for an output that is
     * forced to disk anyway. Written through the page cache, each byte was copied once more by
     * the kernel and then written back by the final fsync; direct, the disk takes it while the
     * writer goes on, and nothing is left to force but metadata. The bytes written are the same
     * either way. Where the host's file system refuses O_DIRECT (tmpfs) or wants other
     * alignment, writes stay as they were; says whether it is on.
     */
    public boolean writeLargeRunsDirect() {
        if (direct != null) {
            return true;
        }
        try {
            if (BLOCK % Files.getFileStore(path).getBlockSize() != 0) {
                return false;
            }
            direct = FileChannel.open(path, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false; // the host's file system cannot say or cannot do it: the page cache it is
        }
    }

    public FileChannel channel() {
        return channel;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        if (position < 0 || position + dst.remaining() > size) {
            throw new EOFException("read at " + position + "+" + dst.remaining() + " beyond the end of the image (" + size + " bytes)");
        }
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                throw new EOFException("image ends early at " + position);
            }
            position += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        if (position < 0 || position + src.remaining() > size) {
            throw new EOFException("write at " + position + "+" + src.remaining() + " beyond the end of the image (" + size + " bytes)");
        }
        if (!startsSparse) {
            writeFully(position, src);
            return;
        }
        // Split at 4 KiB boundaries and drop whole zero blocks: they are holes already. Runs of
        // non-zero blocks go out in one call each (one syscall per block was the bottleneck).
        long runPosition = -1;
        int runFrom = 0;
        while (src.hasRemaining()) {
            long blockEnd = (position / BLOCK + 1) * BLOCK;
            int n = (int) Math.min(src.remaining(), blockEnd - position);
            if (n == BLOCK && isZero(src, src.position(), src.position() + n)) {
                if (runPosition >= 0) {
                    writeFully(runPosition, src.duplicate().limit(src.position()).position(runFrom));
                    runPosition = -1;
                }
            } else if (runPosition < 0) {
                runPosition = position;
                runFrom = src.position();
            }
            src.position(src.position() + n);
            position += n;
        }
        if (runPosition >= 0) {
            writeFully(runPosition, src.duplicate().limit(src.position()).position(runFrom));
        }
    }

    private void writeFully(long position, ByteBuffer src) throws IOException {
        FileChannel ch = direct != null && suitsDirect(position, src) ? direct : channel;
        while (src.hasRemaining()) {
            position += ch.write(src, position);
        }
    }

    /** Whole blocks at least {@link #DIRECT_MIN} long, at a block of the file, from a block-aligned address. */
    private static boolean suitsDirect(long position, ByteBuffer src) {
        return src.isDirect() && src.remaining() >= DIRECT_MIN && position % BLOCK == 0 && src.remaining() % BLOCK == 0
                && src.alignmentOffset(src.position(), BLOCK) == 0;
    }

    /** Whether the bytes from {@code b}'s position to its limit are all zero; {@code b} is not moved. */
    public static boolean isZero(ByteBuffer b) {
        return isZero(b, b.position(), b.limit());
    }

    /**
     * Whether bytes {@code [from, end)} of {@code b} are all zero, whatever its position and limit.
     * Compared with {@link #ZEROS} by {@link ByteBuffer#mismatch}, which the JDK does a word at a
     * time without bounds checks: under the launcher's C1-only JIT a getLong loop took 1.1 s per
     * GiB of zeros, this 0.07 s. Data that is not zero mostly shows it in its first word, checked
     * first so as not to make two slices of every block for it.
     */
    public static boolean isZero(ByteBuffer b, int from, int end) {
        if (end - from >= Long.BYTES && b.getLong(from) != 0) {
            return false;
        }
        for (int at = from; at < end; at += ZEROS.capacity()) {
            int n = Math.min(ZEROS.capacity(), end - at);
            if (b.slice(at, n).mismatch(ZEROS.slice(0, n)) >= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public ForceBehind flushBehind() {
        return ForceBehind.start(channel);
    }

    @Override
    public void close() throws IOException {
        try (FileChannel d = direct) {
            channel.close();
        }
    }
}
