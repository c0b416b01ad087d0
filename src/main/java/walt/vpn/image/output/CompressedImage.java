package walt.vpn.image.output;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;
import walt.vpn.disk.AtomicOutput;
import walt.vpn.image.ProgressInputStream;

/**
 * An image compressed for download, on every core: zstd with its own worker threads, xz as
 * independent streams of {@link #XZ_CHUNK} bytes compressed side by side and concatenated in
 * order (xz -d and every xz reader take concatenated streams). Neither format records a time or
 * a name, so the same image gives the same bytes.
 */
public final class CompressedImage {

    public enum Format {
        ZST(".zst"), XZ(".xz");

        private final String suffix;

        Format(String suffix) {
            this.suffix = suffix;
        }

        public String suffix() {
            return suffix;
        }
    }

    static final int XZ_CHUNK = 32 << 20;
    private static final int ZSTD_LEVEL = 3;
    private static final int XZ_PRESET = 6;

    private CompressedImage() {
    }

    /** Writes {@code image} compressed to {@code target}, atomically. */
    public static void write(Path image, Path target, Format format, int threads) throws IOException {
        write(image, target, format, threads, n -> { });
    }

    /** The same, telling {@code read} the bytes of the image as they are compressed. */
    public static void write(Path image, Path target, Format format, int threads, LongConsumer read) throws IOException {
        try (AtomicOutput out = new AtomicOutput(target)) {
            try (OutputStream os = Files.newOutputStream(out.tempPath())) {
                try (InputStream in = new ProgressInputStream(Files.newInputStream(image), read)) {
                    if (format == Format.ZST) {
                        zstd(in, os, threads);
                    } else {
                        xz(in, os, threads);
                    }
                }
            }
            out.commit();
        }
    }

    private static void zstd(InputStream in, OutputStream os, int threads) throws IOException {
        try (ZstdOutputStream z = new ZstdOutputStream(os, ZSTD_LEVEL)) {
            z.setChecksum(true);
            if (threads > 1) {
                z.setWorkers(threads);
            }
            in.transferTo(z);
        }
    }

    private static void xz(InputStream in, OutputStream os, int threads) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "xz");
            t.setDaemon(true);
            return t;
        });
        try {
            // A window of chunks in flight: memory stays bounded whatever the image size.
            List<Future<byte[]>> window = new ArrayList<>();
            while (true) {
                byte[] chunk = in.readNBytes(XZ_CHUNK);
                if (chunk.length == 0) {
                    break;
                }
                window.add(pool.submit(() -> xzStream(chunk)));
                if (window.size() > threads) {
                    os.write(take(window.remove(0)));
                }
            }
            for (Future<byte[]> f : window) {
                os.write(take(f));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] xzStream(byte[] chunk) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(chunk.length / 4 + 64);
        try (XZOutputStream x = new XZOutputStream(b, new LZMA2Options(XZ_PRESET))) {
            x.write(chunk);
        }
        return b.toByteArray();
    }

    private static byte[] take(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compressing", e);
        }
    }
}
