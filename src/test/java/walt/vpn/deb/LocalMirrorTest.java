package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.InvalidDataException;

/**
 * A repository of our own, signed by gpg with a throwaway key and served over HTTP on
 * loopback: every way a mirror can lie, and the offline mode.
 */
class LocalMirrorTest {

    @TempDir
    Path dir;

    private HttpServer server;
    private int port;
    private Path root;
    private Path keyring;
    private Path gnupg;

    private static String sha256(byte[] b) {
        return AptRepository.sha256(b);
    }

    private String packagesText(byte[] deb) {
        return "Package: hello\nVersion: 1.0-1\nArchitecture: arm64\nFilename: pool/hello_1.0-1_arm64.deb\nSize: " + deb.length
                + "\nSHA256: " + sha256(deb) + "\nDepends: libhello (>= 1)\n\n"
                + "Package: libhello\nVersion: 1.2-1\nArchitecture: arm64\nFilename: pool/libhello_1.2-1_arm64.deb\nSize: " + deb.length
                + "\nSHA256: " + sha256(deb) + "\n";
    }

    /** Writes Packages.gz and an InRelease listing it, clear-signed by gpg. */
    private void publish(String packages) throws Exception {
        publish(packages, "");
    }

    private void publish(String packages, String moreReleaseFields) throws Exception {
        Path dists = Files.createDirectories(root.resolve("dists/walt/main/binary-arm64"));
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(packages.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(dists.resolve("Packages.gz"), gz.toByteArray());
        String release = "Origin: walt-test\nSuite: walt\nCodename: walt\n" + moreReleaseFields + "Architectures: arm64\nComponents: main\nSHA256:\n "
                + sha256(gz.toByteArray()) + " " + gz.size() + " main/binary-arm64/Packages.gz\n";
        Path plain = Files.writeString(dir.resolve("Release"), release);
        Path signed = root.resolve("dists/walt/InRelease");
        Files.deleteIfExists(signed);
        Tools.Result r = Tools.run(List.of("gpg", "--batch", "--homedir", gnupg.toString(), "--clearsign", "-o", signed.toString(), plain.toString()), dir, 60);
        assertEquals(0, r.exit(), r.all());
    }

    @BeforeEach
    void serve() throws Exception {
        Tools.require("gpg");
        gnupg = Files.createDirectory(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Tools.Result gen = Tools.run(List.of("gpg", "--batch", "--homedir", gnupg.toString(), "--passphrase", "", "--quick-gen-key",
                "walt test repository", "ed25519", "sign", "1d"), dir, 120);
        assertEquals(0, gen.exit(), gen.all());
        keyring = dir.resolve("keyring.gpg");
        Tools.Result exp = Tools.run(List.of("gpg", "--batch", "--homedir", gnupg.toString(), "--export", "-o", keyring.toString()), dir, 60);
        assertEquals(0, exp.exit(), exp.all());
        root = Files.createDirectories(dir.resolve("mirror"));
        Files.createDirectories(root.resolve("pool"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            Path f = root.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
            byte[] body = f.startsWith(root) && Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private AptRepository repo(boolean offline) {
        URI mirror = URI.create("http://127.0.0.1:" + port + "/");
        return new AptRepository(new AptSource(mirror, "walt", List.of("main"), "arm64", keyring), dir.resolve("cache"), offline);
    }

    @Test
    void downloadsAreCheckedAndTheWarmCacheWorksOffline() throws Exception {
        byte[] deb = "not really a deb, but bytes with a hash".getBytes(StandardCharsets.UTF_8);
        Files.write(root.resolve("pool/hello_1.0-1_arm64.deb"), deb);
        Files.write(root.resolve("pool/libhello_1.2-1_arm64.deb"), deb);
        publish(packagesText(deb));
        PackageIndex index = repo(false).index();
        List<PackageEntry> set = new DependencyResolver(index, Map.of(), Map.of()).resolve(List.of("hello"), false);
        assertEquals("[hello 1.0-1, libhello 1.2-1]", set.toString());
        List<Path> files = new DebDownloader(repo(false)).fetch(set, n -> { });
        assertEquals(List.of(deb.length, deb.length), files.stream().map(p -> (int) p.toFile().length()).toList());

        server.stop(0); // the mirror goes away: a warm cache is enough offline
        server = null;
        PackageIndex again = repo(true).index();
        assertEquals(files, new DebDownloader(repo(true)).fetch(new DependencyResolver(again, Map.of(), Map.of()).resolve(List.of("hello"), false), n -> { }));
        java.io.IOException online = assertThrows(java.io.IOException.class, () -> repo(false).index());
        assertTrue(online.getMessage().contains("--offline"), online.getMessage());
    }

    @Test
    void aPackageWhoseBytesDoNotMatchTheIndexIsNamed() throws Exception {
        byte[] deb = "the package the index vouches for".getBytes(StandardCharsets.UTF_8);
        publish(packagesText(deb));
        Files.write(root.resolve("pool/hello_1.0-1_arm64.deb"), "a package swapped on the mirror!!".getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("pool/libhello_1.2-1_arm64.deb"), deb);
        PackageIndex index = repo(false).index();
        List<PackageEntry> set = new DependencyResolver(index, Map.of(), Map.of()).resolve(List.of("hello"), false);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> new DebDownloader(repo(false)).fetch(set, n -> { }));
        assertTrue(e.getMessage().startsWith("package hello 1.0-1: the download"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("cache/debs/hello_1.0-1_arm64.deb")), "nothing bad is kept");
    }

    @Test
    void anIndexChangedAfterSigningIsRefused() throws Exception {
        byte[] deb = "x".getBytes(StandardCharsets.UTF_8);
        publish(packagesText(deb));
        // The mirror serves another Packages.gz than the one InRelease lists.
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(packagesText("evil".getBytes(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        }
        Files.write(root.resolve("dists/walt/main/binary-arm64/Packages.gz"), gz.toByteArray());
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> repo(false).index());
        assertTrue(e.getMessage().contains("but the signed Release says"), e.getMessage());
    }

    @Test
    void offlineWithAColdCacheSaysWhatIsMissing() {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> repo(true).index());
        assertTrue(e.getMessage().startsWith("offline, and no cached"), e.getMessage());
    }

    @Test
    void aSnapshotShapedMirrorIsReadAtTheSnapshotsTime() throws Exception {
        DebianSnapshot snapshot = DebianSnapshot.parse("2025-06-01T00:00:00Z");
        Path top = root;
        root = Files.createDirectories(top.resolve("archive/debian/20250601T000000Z"));
        byte[] deb = "a package of June 2025".getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(root.resolve("pool"));
        Files.write(root.resolve("pool/hello_1.0-1_arm64.deb"), deb);
        Files.write(root.resolve("pool/libhello_1.2-1_arm64.deb"), deb);
        // As snapshot.debian.org serves it: valid then, expired today.
        publish(packagesText(deb), "Date: Sat, 31 May 2025 20:00:00 UTC\nValid-Until: Sat, 07 Jun 2025 20:00:00 UTC\n");
        root = top;

        URI mirror = snapshot.mirror("http://127.0.0.1:" + port + "/archive/debian/{snapshot}/");
        assertEquals("http://127.0.0.1:" + port + "/archive/debian/20250601T000000Z/", mirror.toString());
        AptSource source = new AptSource(mirror, "walt", List.of("main"), "arm64", keyring);
        AptRepository atSnapshot = new AptRepository(source, dir.resolve("cache"), false, snapshot.time());
        PackageIndex index = atSnapshot.index();
        List<PackageEntry> set = new DependencyResolver(index, Map.of(), Map.of()).resolve(List.of("hello"), false);
        assertEquals(List.of(deb.length, deb.length), new DebDownloader(atSnapshot).fetch(set, n -> { }).stream()
                .map(p -> (int) p.toFile().length()).toList());

        InvalidDataException today = assertThrows(InvalidDataException.class,
                () -> new AptRepository(source, dir.resolve("cache"), false).index());
        assertTrue(today.getMessage().contains("expired on Sat, 07 Jun 2025"), today.getMessage());
    }
}
