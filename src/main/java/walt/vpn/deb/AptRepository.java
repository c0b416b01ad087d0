package walt.vpn.deb;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.tukaani.xz.XZInputStream;
import walt.vpn.tree.InvalidDataException;

/**
 * A signed Debian repository read through a local cache: InRelease is fetched and its
 * signature checked, then each component's Packages index is fetched and checked against the
 * size and SHA256 that InRelease lists. Offline, the cached copies are used, and still checked
 * the same way: the cache is never trusted more than the network.
 */
public final class AptRepository {

    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final AptSource source;
    private final Path cache;
    private final boolean offline;
    private final HttpClient http;
    private final Instant validAt;
    private SignedRelease release;

    /**
     * @param cache   directory of cached files (made if missing)
     * @param offline use only the cache, never the network
     */
    public AptRepository(AptSource source, Path cache, boolean offline) {
        this(source, cache, offline, null);
    }

    /**
     * @param validAt the time the Release must be valid at (its Valid-Until), or null for now;
     *                a snapshot of the archive was valid at its own time, never today
     */
    public AptRepository(AptSource source, Path cache, boolean offline, Instant validAt) {
        this.source = source;
        this.cache = cache;
        this.offline = offline;
        this.validAt = validAt;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public AptSource source() {
        return source;
    }

    /**
     * The Date of the Release read by {@link #index()}: a time that depends only on the
     * repository's state, for builds that must give the same bytes twice.
     */
    public walt.vpn.tree.Timestamp releaseDate() throws InvalidDataException {
        if (release == null) {
            throw new IllegalStateException("index() first");
        }
        String date = release.fields().get("Date");
        if (date == null) {
            throw new InvalidDataException(source.suite() + ": the Release has no Date; set SOURCE_DATE_EPOCH");
        }
        return walt.vpn.tree.Timestamp.ofSeconds(SignedRelease.parseDate(date, source.suite() + " Release").getEpochSecond());
    }

    /** The verified Release data and the merged package index of every component. */
    public PackageIndex index() throws IOException {
        String where = source.resolve("dists/" + source.suite() + "/InRelease").toString();
        Path releaseCache = cache.resolve("lists").resolve(cacheName(where));
        byte[] inRelease;
        if (offline) {
            if (!Files.isRegularFile(releaseCache)) {
                throw new InvalidDataException("offline, and no cached " + where + " in " + cache);
            }
            inRelease = Files.readAllBytes(releaseCache);
        } else {
            inRelease = fetch(URI.create(where));
        }
        release = SignedRelease.verify(inRelease, source.keyring(), where, validAt != null ? validAt : offline ? null : Instant.now());
        if (!offline) {
            store(releaseCache, inRelease);
        }
        Map<String, SignedRelease.IndexFile> listed = release.sha256Files().stream()
                .collect(Collectors.toMap(SignedRelease.IndexFile::path, Function.identity(), (a, b) -> a));
        PackageIndex index = new PackageIndex(source.arch());
        for (String component : source.components()) {
            String base = component + "/binary-" + source.arch() + "/Packages";
            SignedRelease.IndexFile file = null;
            String suffix = null;
            for (String s : List.of(".xz", ".gz")) {
                if (listed.containsKey(base + s)) {
                    file = listed.get(base + s);
                    suffix = s;
                    break;
                }
            }
            if (file == null) {
                throw new InvalidDataException(where + " lists no " + base + ".xz or .gz: is '" + component + "' a component of " + source.suite() + "?");
            }
            byte[] compressed = verifiedFile("dists/" + source.suite() + "/" + file.path(), file.size(), file.sha256(), "lists");
            addDecompressed(index, compressed, suffix, base + suffix, source.resolve("dists/" + source.suite() + "/" + file.path()).toString());
        }
        return index;
    }

    /**
     * The bytes of {@code path} on the mirror with the given size and SHA256, from the cache
     * when it holds them, else downloaded (and cached). Cached under its hash, so a changed
     * index never shadows the one a signature vouches for.
     */
    byte[] verifiedFile(String path, long size, String sha256, String cacheDir) throws IOException {
        Path cached = cache.resolve(cacheDir).resolve(sha256);
        if (Files.isRegularFile(cached)) {
            byte[] b = Files.readAllBytes(cached);
            if (b.length == size && sha256(b).equals(sha256)) {
                return b;
            }
            Files.delete(cached); // a damaged cache entry is fetched again
        }
        if (offline) {
            throw new InvalidDataException("offline, and " + path + " (sha256 " + sha256 + ") is not in the cache " + cache);
        }
        byte[] b = fetch(source.resolve(path));
        if (b.length != size || !sha256(b).equals(sha256)) {
            throw new InvalidDataException(source.resolve(path) + ": " + b.length + " bytes with SHA256 " + sha256(b)
                    + ", but the signed Release says " + size + " bytes with SHA256 " + sha256);
        }
        store(cached, b);
        return b;
    }

    private byte[] fetch(URI uri) throws IOException {
        if (uri.getScheme().equals("file")) {
            return Files.readAllBytes(Path.of(uri));
        }
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException(uri + ": HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri, e);
        } catch (IOException e) {
            throw new IOException("cannot fetch " + uri + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + (offline ? "" : " (with a warm cache, --offline works without the mirror)"), e);
        }
    }

    /** Parses the index as it is decompressed: the whole text is never held at once. */
    private static void addDecompressed(PackageIndex index, byte[] b, String suffix, String what, String where) throws IOException {
        try (InputStream in = suffix.equals(".xz") ? new XZInputStream(new ByteArrayInputStream(b)) : new GzipCompressorInputStream(new ByteArrayInputStream(b));
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            index.add(lines, where);
        } catch (InvalidDataException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidDataException(what + ": cannot decompress: " + e.getMessage(), e);
        }
    }

    static void store(Path target, byte[] b) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
        try {
            Files.write(tmp, b);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cacheName(String url) {
        return url.replaceFirst("^[a-z]+://", "").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    Path cache() {
        return cache;
    }

    boolean offline() {
        return offline;
    }

    HttpClient http() {
        return http;
    }
}
