package walt.vpn.disk;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Writes an image's mapped ranges to a card and reads them back, as {@code bmaptool copy}
 * does: holes are not written, so what the card held there before stays (bmaptool's
 * behaviour too; the image's filesystems never read their free blocks). Each range is checked
 * against its SHA-256 twice: the image's bytes as they are read (the image has not changed
 * since the map was made) and the card's bytes read back after an fsync, bypassing the page
 * cache where the device allows it, so that what is checked is what the card holds.
 */
public final class BlockDeviceWriter {

    /** Large writes, on multiples of themselves: a card's erase blocks are a few MiB at most. */
    static final int CHUNK = 4 << 20;
    /** O_DIRECT wants buffers, offsets and lengths on the device's logical block: 4 KiB covers 512 too. */
    static final int ALIGN = 4096;

    private BlockDeviceWriter() {
    }

    /** Copies {@code ranges} of {@code image} to {@code device}, fsyncs; {@code progress} gets bytes written. */
    public static void write(Path image, List<MappedRange> ranges, Path device, LongConsumer progress) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK + ALIGN).alignedSlice(ALIGN);
        try (FileChannel in = FileChannel.open(image); FileChannel out = FileChannel.open(device, StandardOpenOption.WRITE)) {
            for (MappedRange r : ranges) {
                MessageDigest md = sha256();
                for (long pos = r.offset(); pos < r.end(); ) {
                    int n = chunk(pos, r.end());
                    buf.clear().limit(n);
                    readFully(in, buf, pos, image);
                    md.update(buf.flip());
                    buf.rewind();
                    while (buf.hasRemaining()) {
                        out.write(buf, pos + buf.position());
                    }
                    pos += n;
                    progress.accept(n);
                }
                if (!HexFormat.of().formatHex(md.digest()).equals(r.sha256())) {
                    throw new IOException(image + " changed while it was written: bytes " + r.offset() + "-" + (r.end() - 1)
                            + " differ from its block map");
                }
            }
            out.force(true);
        }
    }

    /** Reads {@code ranges} back from {@code device}; an IOException names the first range that differs. */
    public static void verify(List<MappedRange> ranges, Path device, LongConsumer progress) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK + ALIGN).alignedSlice(ALIGN);
        try (FileChannel in = openUncached(device)) {
            for (MappedRange r : ranges) {
                MessageDigest md = sha256();
                for (long pos = r.offset(); pos < r.end(); ) {
                    int n = chunk(pos, r.end());
                    // Whole aligned blocks are read; only the image's part of the last one is hashed.
                    buf.clear().limit(Math.min(buf.capacity(), (n + ALIGN - 1) / ALIGN * ALIGN));
                    while (buf.position() < n) {
                        if (in.read(buf, pos + buf.position()) < 0) {
                            throw new IOException(device + " ended at byte " + (pos + buf.position()) + ", inside the image");
                        }
                    }
                    md.update(buf.flip().limit(n));
                    pos += n;
                    progress.accept(n);
                }
                if (!HexFormat.of().formatHex(md.digest()).equals(r.sha256())) {
                    throw new IOException("verification failed: bytes " + r.offset() + "-" + (r.end() - 1) + " read back from "
                            + device + " differ from the image (a failing card?)");
                }
            }
        }
    }

    /** Bytes from {@code pos} to the next multiple of CHUNK or {@code end}. */
    private static int chunk(long pos, long end) {
        return (int) (Math.min(end, (pos / CHUNK + 1) * CHUNK) - pos);
    }

    /** O_DIRECT where the device takes it (block devices do; tmpfs files may not): else the page cache. */
    private static FileChannel openUncached(Path device) throws IOException {
        try {
            return FileChannel.open(device, new OpenOption[] {StandardOpenOption.READ, ExtendedOpenOption.DIRECT});
        } catch (IOException | UnsupportedOperationException e) {
            return FileChannel.open(device, StandardOpenOption.READ);
        }
    }

    private static void readFully(FileChannel in, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (in.read(buf, pos + buf.position()) < 0) {
                throw new IOException(file + ": shorter than its block map");
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
