package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.RandomTrees;

class TarBadInputTest {

    @TempDir
    Path dir;

    private InvalidDataException rejects(byte[] tar) throws IOException {
        Path p = dir.resolve("bad.tar");
        Files.write(p, tar);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> TarImporter.read(p));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("bad.tar: "), e.getMessage());
        return e;
    }

    private static byte[] tarOf(TarArchiveEntry... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(b)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarArchiveEntry e : entries) {
                out.putArchiveEntry(e);
                if (e.getSize() > 0) {
                    out.write(new byte[(int) e.getSize()]);
                }
                out.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    @Test
    void truncatedArchive() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        TarExporter.write(RandomTrees.generate(5, RandomTrees.Shape.SMALL_POSIX), b);
        // A tree with sparse members (read sequentially) and one without (read by seeking).
        FileTree dense = FileTree.empty(Timestamp.EPOCH);
        for (int i = 0; i < 20; i++) {
            dense.put("/d/f" + i, new RegularFile(Metadata.of(0644, Timestamp.EPOCH), walt.vpn.testing.GeneratedContent.dense(i, 10_000L * i)),
                    Metadata.of(0755, Timestamp.EPOCH));
        }
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        TarExporter.write(dense, d);
        for (byte[] full : new byte[][] {b.toByteArray(), d.toByteArray()}) {
            // Cut inside the data of a big member, then inside a header.
            for (int cut : new int[] {full.length / 2, full.length / 3 + 100, 700}) {
                String msg = rejects(Arrays.copyOf(full, cut)).getMessage();
                assertTrue(msg.contains("truncated") || msg.contains("ends") || msg.contains("not a valid tar"), msg);
            }
        }
    }

    @Test
    void randomBytes() throws IOException {
        byte[] junk = new byte[64 * 1024];
        new Random(99).nextBytes(junk);
        rejects(junk);
    }

    @Test
    void hardLinkToNothing() throws IOException {
        TarArchiveEntry link = new TarArchiveEntry("a/link", TarConstants.LF_LINK);
        link.setLinkName("a/missing");
        String msg = rejects(tarOf(link)).getMessage();
        assertTrue(msg.contains("a/link") && msg.contains("not in archive"), msg);
    }

    @Test
    void dotDotEscapingTheRoot() throws IOException {
        TarArchiveEntry e = new TarArchiveEntry("../../etc/passwd");
        e.setSize(3);
        String msg = rejects(tarOf(e)).getMessage();
        assertTrue(msg.contains("../../etc/passwd") && msg.contains("outside"), msg);
    }

    @Test
    void compressedArchiveIsRefusedClearly() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream gz = new java.util.zip.GZIPOutputStream(b)) {
            gz.write(tarOf(new TarArchiveEntry("x/")));
        }
        assertTrue(rejects(b.toByteArray()).getMessage().contains("gzip"));
    }

    @Test
    void pathsAreNormalizedSafely() throws IOException {
        TarArchiveEntry abs = new TarArchiveEntry("/abs/file", true);
        abs.setSize(1);
        TarArchiveEntry dots = new TarArchiveEntry("./x/../y/./z");
        dots.setSize(2);
        TarArchiveEntry dirLater = new TarArchiveEntry("abs/");
        dirLater.setMode(040700);
        TarArchiveEntry dup = new TarArchiveEntry("y/z");
        dup.setSize(4);
        Path p = dir.resolve("ok.tar");
        Files.write(p, tarOf(abs, dots, dirLater, dup));
        FileTree t = TarImporter.read(p);
        assertEquals(1, ((RegularFile) t.lookup("/abs/file")).content().size());
        assertEquals(4, ((RegularFile) t.lookup("/y/z")).content().size(), "later entry wins");
        assertEquals(0700, t.lookup("/abs").metadata().permissions(), "directory declared after its contents");
        assertEquals(0755, t.lookup("/y").metadata().permissions(), "implicit parent");
        assertEquals(null, t.lookup("/x"));
    }

    @Test
    void missingFileIsAHostErrorNotBadData() {
        IOException e = assertThrows(IOException.class, () -> TarImporter.read(dir.resolve("absent.tar")));
        assertFalse(e instanceof InvalidDataException, e.toString());
    }

    @Test
    void compressedArchivesReadAfterDecompress() throws IOException {
        FileTree tree = RandomTrees.generate(8, RandomTrees.Shape.SMALL_POSIX);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        TarExporter.write(tree, plain);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(plain.toByteArray());
        }
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        try (OutputStream out = new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(bz)) {
            out.write(plain.toByteArray());
        }
        for (byte[] c : new byte[][] {gz.toByteArray(), bz.toByteArray()}) {
            Path in = dir.resolve("in.tar.z");
            Path out = dir.resolve("out.tar");
            Files.deleteIfExists(out);
            Files.write(in, c);
            TarImporter.decompress(in, out);
            assertArrayEquals(plain.toByteArray(), Files.readAllBytes(out));
            Files.write(in, Arrays.copyOf(c, c.length / 2));
            Files.deleteIfExists(out);
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> TarImporter.decompress(in, out));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
