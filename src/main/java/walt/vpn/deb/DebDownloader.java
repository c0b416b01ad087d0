package walt.vpn.deb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.disk.FileSha256;

/**
 * The .deb files of a resolved package set, from the repository's cache or its mirror, a few
 * at a time. Each is checked against the size and SHA256 of the (signed) index before it is
 * used or kept; a damaged cached copy is fetched again, a bad download stops the build with
 * the package named.
 */
public final class DebDownloader {

    private static final int PARALLEL = 4;

    private final AptRepository repository;

    public DebDownloader(AptRepository repository) {
        this.repository = repository;
    }

    /** The files of {@code packages}, in the same order; {@code progress} gets bytes as they arrive. */
    public List<Path> fetch(List<PackageEntry> packages, LongConsumer progress) throws IOException {
        Path dir = repository.cache().resolve("debs");
        Files.createDirectories(dir);
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
            Thread t = new Thread(r, "deb-download");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Path>> futures = new ArrayList<>();
            for (PackageEntry p : packages) {
                futures.add(pool.submit(() -> one(p, dir, progress)));
            }
            List<Path> out = new ArrayList<>();
            for (Future<Path> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while downloading packages", e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private Path one(PackageEntry p, Path dir, LongConsumer progress) throws IOException {
        if (p.filename() == null || p.sha256() == null || p.size() < 0) {
            throw new InvalidDataException(p + ": the index gives no Filename, Size or SHA256");
        }
        if (p.filename().contains("..") || p.filename().startsWith("/")) {
            throw new InvalidDataException(p + ": the index gives a strange Filename " + p.filename());
        }
        Path target = dir.resolve(p.debFileName());
        if (Files.isRegularFile(target)) {
            if (Files.size(target) == p.size() && FileSha256.of(target).equals(p.sha256())) {
                progress.accept(p.size());
                return target;
            }
            Files.delete(target);
        }
        if (repository.offline()) {
            throw new InvalidDataException("offline, and package " + p + " is not in the cache " + dir);
        }
        URI uri = repository.source().resolve(p.filename());
        Path tmp = Files.createTempFile(dir, "." + p.debFileName(), ".part");
        try {
            String got;
            long n;
            try (InputStream body = open(uri);
                 DigestInputStream in = new DigestInputStream(body, MessageDigest.getInstance("SHA-256"));
                 OutputStream out = Files.newOutputStream(tmp)) {
                n = 0;
                byte[] buf = new byte[1 << 16];
                int r;
                while ((r = in.read(buf)) > 0) {
                    out.write(buf, 0, r);
                    n += r;
                    progress.accept(r);
                    if (n > p.size()) {
                        break;
                    }
                }
                got = HexFormat.of().formatHex(in.getMessageDigest().digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            if (n != p.size() || !got.equals(p.sha256())) {
                throw new InvalidDataException("package " + p + ": the download from " + uri + " does not match the signed index (size "
                        + n + " vs " + p.size() + ", SHA256 " + got + " vs " + p.sha256() + ")");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private InputStream open(URI uri) throws IOException {
        if (uri.getScheme().equals("file")) {
            return Files.newInputStream(Path.of(uri));
        }
        try {
            HttpResponse<InputStream> r = repository.http().send(HttpRequest.newBuilder(uri).timeout(AptRepository.TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw new IOException(uri + ": HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri, e);
        }
    }
}
