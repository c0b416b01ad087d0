package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;
import walt.vpn.image.recipe.Recipe;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/** Base images as files: the hash, the decompression, and the partitions read back. */
class BaseImageTest {

    private static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);
    /** Small enough to keep the test quick, big enough for FAT32. */
    private static final long BOOT = 40L << 20;

    @TempDir
    Path dir;

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private Recipe.ImageBase base(Path file, String sha) {
        return new Recipe.ImageBase(file, null, sha, null);
    }

    private Path spool() throws Exception {
        return Files.createDirectories(dir.resolve("spool"));
    }

    /** A small card of ours: boot with cmdline.txt, root with a file. */
    private byte[] card() throws Exception {
        SdCardImage card = new SdCardImage(7, T, BOOT, 0);
        FileTree boot = FileTree.empty(T);
        boot.put("/cmdline.txt", new RegularFile(Metadata.of(0644, T), BytesContent.of("root=PARTUUID=" + card.partUuid(2) + "\n")), Metadata.of(0755, T));
        FileTree root = FileTree.empty(T);
        root.put("/etc/hostname", new RegularFile(Metadata.of(0644, T), BytesContent.of("base\n")), Metadata.of(0755, T));
        Path img = dir.resolve("made.img");
        card.write(boot, root, img);
        byte[] b = Files.readAllBytes(img);
        Files.delete(img);
        return b;
    }

    private static byte[] compress(byte[] raw, String suffix) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = suffix.equals(".xz") ? new XZOutputStream(b, new LZMA2Options(1)) : new ZstdOutputStream(b)) {
            out.write(raw);
        }
        return b.toByteArray();
    }

    @Test
    void compressedBasesAreDecompressedIntoTheSpoolAndReadBack() throws Exception {
        byte[] raw = card();
        for (String suffix : List.of(".xz", ".zst")) {
            byte[] given = compress(raw, suffix);
            Path file = Files.write(dir.resolve("base.img" + suffix), given);
            long[] read = {0};
            try (BaseImageFile f = BaseImageFile.prepare(base(file, sha256(given)), dir, spool(), true, n -> read[0] += n)) {
                assertTrue(f.temporary());
                assertEquals(spool().resolve("base.img"), f.raw());
                assertArrayEquals(raw, Files.readAllBytes(f.raw()), suffix);
                assertEquals(given.length, read[0], "progress counts the file as given");
                try (BaseImage b = BaseImage.read(f, "base.img" + suffix)) {
                    assertEquals("base\n", new String(((RegularFile) b.rootTree().lookup("/etc/hostname")).content().readAll()));
                    assertTrue(b.bootTree().lookup("/cmdline.txt") instanceof RegularFile);
                    assertEquals(new SdCardImage(7, T, BOOT, 0).partUuid(2), b.rootPartUuid());
                    assertEquals(new SdCardImage(7, T, BOOT, 0).partUuid(1), b.bootPartUuid());
                    assertEquals(BOOT, b.bootBytes());
                }
            }
            assertFalse(Files.exists(spool().resolve("base.img")), "the decompressed copy goes with the build");
            assertArrayEquals(given, Files.readAllBytes(file), "the input is only read");
        }
    }

    @Test
    void aRawBaseIsReadWhereItIs() throws Exception {
        byte[] raw = card();
        Path file = Files.write(dir.resolve("base.img"), raw);
        try (BaseImageFile f = BaseImageFile.prepare(base(file, sha256(raw)), dir, spool(), true, n -> { })) {
            assertFalse(f.temporary());
            assertEquals(file, f.raw());
        }
        assertTrue(Files.exists(file), "never deleted");
        try (Stream<Path> s = Files.list(spool())) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aWrongHashNamesTheFileAndLeavesNothing() throws Exception {
        byte[] given = compress(card(), ".zst");
        Path file = Files.write(dir.resolve("base.img.zst"), given);
        String wrong = "0".repeat(64);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> BaseImageFile.prepare(base(file, wrong), dir, spool(), true, n -> { }));
        assertEquals("base.img.zst: SHA256 is " + sha256(given) + ", but the recipe says " + wrong
                + " (base.image.sha256): not the base image the recipe names", e.getMessage());
        try (Stream<Path> s = Files.list(spool())) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aDamagedFileIsReportedByItsHashFirst() throws Exception {
        byte[] given = compress(card(), ".xz");
        byte[] cut = java.util.Arrays.copyOf(given, given.length / 2);
        Path file = Files.write(dir.resolve("base.img.xz"), cut);
        InvalidDataException wrongHash = assertThrows(InvalidDataException.class,
                () -> BaseImageFile.prepare(base(file, sha256(given)), dir, spool(), true, n -> { }));
        assertTrue(wrongHash.getMessage().startsWith("base.img.xz: SHA256 is "), wrongHash.getMessage());
        InvalidDataException cutButPinned = assertThrows(InvalidDataException.class,
                () -> BaseImageFile.prepare(base(file, sha256(cut)), dir, spool(), true, n -> { }));
        assertTrue(cutButPinned.getMessage().startsWith("base.img.xz: cannot decompress"), cutButPinned.getMessage());
    }

    @Test
    void aFileWithoutPartitionsIsNoBase() throws Exception {
        byte[] zeros = new byte[1 << 20];
        Path file = Files.write(dir.resolve("blank.img"), zeros);
        try (BaseImageFile f = BaseImageFile.prepare(base(file, sha256(zeros)), dir, spool(), true, n -> { })) {
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> BaseImage.read(f, "blank.img"));
            assertEquals("blank.img: no MBR partition table: not an SD card image", e.getMessage());
        }
    }

    @Test
    void aUrlBaseIsDownloadedIntoTheCacheOnceAndCheckedLikeAFile() throws Exception {
        byte[] given = compress(card(), ".zst");
        byte[][] served = {given};
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/images/base.img.zst", ex -> {
            ex.sendResponseHeaders(200, served[0].length);
            ex.getResponseBody().write(served[0]);
            ex.close();
        });
        server.start();
        try {
            java.net.URI url = java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/images/base.img.zst");
            Path cache = dir.resolve("cache");
            Recipe.ImageBase base = new Recipe.ImageBase(null, url, sha256(given), null);
            try (BaseImageFile f = BaseImageFile.prepare(base, cache, spool(), false, n -> { })) {
                assertTrue(f.temporary());
            }
            Path kept = cache.resolve("base-images").resolve(sha256(given)).resolve("base.img.zst");
            assertArrayEquals(given, Files.readAllBytes(kept));
            server.stop(0);
            try (BaseImageFile f = BaseImageFile.prepare(base, cache, spool(), true, n -> { })) {
                assertTrue(Files.isRegularFile(f.raw()), "offline, from the cache");
            }

            Recipe.ImageBase other = new Recipe.ImageBase(null, java.net.URI.create("http://127.0.0.1:9/x/other.img.zst"), "1".repeat(64), null);
            InvalidDataException offline = assertThrows(InvalidDataException.class, () -> BaseImageFile.prepare(other, cache, spool(), true, n -> { }));
            assertTrue(offline.getMessage().startsWith("offline, and the base image http://127.0.0.1:9/x/other.img.zst is not in the cache"),
                    offline.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aDownloadThatIsNotTheNamedFileIsNotKept() throws Exception {
        byte[] given = compress(card(), ".zst");
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/base.img.zst", ex -> {
            ex.sendResponseHeaders(200, given.length);
            ex.getResponseBody().write(given);
            ex.close();
        });
        server.start();
        try {
            java.net.URI url = java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/base.img.zst");
            String wrong = "2".repeat(64);
            Path cache = dir.resolve("cache");
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> BaseImageFile.prepare(new Recipe.ImageBase(null, url, wrong, null), cache, spool(), false, n -> { }));
            assertTrue(e.getMessage().startsWith("base.img.zst: SHA256 is " + sha256(given)), e.getMessage());
            assertFalse(Files.exists(cache.resolve("base-images").resolve(wrong).resolve("base.img.zst")), "fetched again next time");
        } finally {
            server.stop(0);
        }
    }
}
