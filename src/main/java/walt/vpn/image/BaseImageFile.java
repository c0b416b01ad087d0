package walt.vpn.image;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.LongConsumer;
import org.tukaani.xz.XZInputStream;
import walt.vpn.disk.ImageFile;
import walt.vpn.image.recipe.Recipe;
import walt.vpn.tree.InvalidDataException;

/**
 * The raw disk image of a recipe's base, ready for random access: the file as given is checked
 * against the recipe's SHA256 in the same single pass that decompresses it. A {@code .img} is
 * used where it is; a {@code .img.xz} or {@code .img.zst} is streamed into a sparse file of the
 * build's spool folder (the readers need random access; nothing is written beside the input,
 * which is only ever read), deleted on {@link #close}.
 *
 * @param raw       the uncompressed image
 * @param temporary whether {@code raw} is a decompressed copy of ours
 */
public record BaseImageFile(Path raw, boolean temporary) implements AutoCloseable {

    private static final int BLOCK = 1 << 16;

    /**
     * Finds (or downloads into {@code cache}), checks and decompresses the base.
     *
     * @param read told the bytes of the file as given as they are read
     */
    public static BaseImageFile prepare(Recipe.ImageBase base, Path cache, Path spool, boolean offline, LongConsumer read)
            throws IOException {
        Path file = base.file() != null ? base.file() : download(base, cache, offline);
        try {
            return prepare(file, base, spool, read);
        } catch (InvalidDataException e) {
            if (base.file() == null) {
                Files.deleteIfExists(file); // a bad download is fetched again next time
            }
            throw e;
        }
    }

    private static BaseImageFile prepare(Path file, Recipe.ImageBase base, Path spool, LongConsumer read) throws IOException {
        String name = file.getFileName().toString();
        MessageDigest sha256 = sha256();
        if (name.endsWith(".img")) {
            try (InputStream in = new DigestInputStream(new ProgressInputStream(Files.newInputStream(file), read), sha256)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            check(sha256, base, name);
            return new BaseImageFile(file, false);
        }
        Path raw = spool.resolve(name.substring(0, name.lastIndexOf('.')));
        try (InputStream given = new DigestInputStream(new ProgressInputStream(Files.newInputStream(file), read), sha256);
             InputStream in = name.endsWith(".xz") ? new XZInputStream(given) : new ZstdInputStream(given)) {
            writeSparse(in, raw);
            // Whatever follows the compressed data still counts for the file's hash.
            given.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            Files.deleteIfExists(raw);
            if (e instanceof InvalidDataException) {
                throw e;
            }
            // A corrupt or truncated file: its hash would have said so too, and says it better.
            check(sha256, base, name);
            throw new InvalidDataException(name + ": cannot decompress: " + e.getMessage(), e);
        }
        try {
            check(sha256, base, name);
        } catch (InvalidDataException e) {
            Files.deleteIfExists(raw);
            throw e;
        }
        return new BaseImageFile(raw, true);
    }

    /** Copies {@code in} to a new file, leaving holes where whole blocks are zeros. */
    private static void writeSparse(InputStream in, Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] block = new byte[BLOCK];
            long size = 0;
            boolean lastWasHole = false;
            while (true) {
                int n = in.readNBytes(block, 0, BLOCK);
                if (n == 0) {
                    break;
                }
                ByteBuffer b = ByteBuffer.wrap(block, 0, n);
                lastWasHole = ImageFile.isZero(b);
                if (!lastWasHole) {
                    while (b.hasRemaining()) {
                        out.write(b, size + b.position());
                    }
                }
                size += n;
            }
            if (lastWasHole) {
                out.write(ByteBuffer.allocate(1), size - 1); // the file's length, the rest a hole
            }
        }
    }

    private static void check(MessageDigest sha256, Recipe.ImageBase base, String name) throws InvalidDataException {
        String got = HexFormat.of().formatHex(sha256.digest());
        if (!got.equals(base.sha256())) {
            throw new InvalidDataException(name + ": SHA256 is " + got + ", but the recipe says " + base.sha256()
                    + " (base.image.sha256): not the base image the recipe names");
        }
    }

    /**
     * The file of a {@code url} base in the cache, downloaded when missing. Kept under its
     * SHA256, so a changed file on the server never shadows the one the recipe names; the hash
     * is checked by {@link #prepare} as for a local file.
     */
    private static Path download(Recipe.ImageBase base, Path cache, boolean offline) throws IOException {
        URI url = base.url();
        String name = url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
        Path dir = cache.resolve("base-images").resolve(base.sha256());
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target)) {
            return target;
        }
        if (offline) {
            throw new InvalidDataException("offline, and the base image " + url + " is not in the cache " + cache);
        }
        Files.createDirectories(dir);
        Path part = Files.createTempFile(dir, "." + name, ".part");
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<Path> r = http.send(HttpRequest.newBuilder(url).build(),
                    HttpResponse.BodyHandlers.ofFile(part, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
            if (r.statusCode() != 200) {
                throw new IOException("cannot fetch " + url + ": HTTP " + r.statusCode());
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + url, e);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        if (temporary) {
            Files.deleteIfExists(raw);
        }
    }
}
