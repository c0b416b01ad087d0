package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.testing.GeneratedContent;
import walt.vpn.testing.RandomTrees;
import walt.vpn.testing.TreeAssert;
import walt.vpn.testing.TreeAssert.Fidelity;

class TarRoundTripTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void randomTreeSurvivesTarRoundTrip(long seed) throws IOException {
        FileTree tree = RandomTrees.generate(seed, RandomTrees.Shape.SMALL_POSIX);
        Path tar = dir.resolve("t.tar");
        List<String> skipped;
        List<String> warnings = new ArrayList<>();
        try (OutputStream out = Files.newOutputStream(tar)) {
            skipped = TarExporter.write(tree, out, warnings::add);
        }
        List<String> sockets = socketPaths(tree);
        assertEquals(sockets, skipped, "exactly the sockets are left out");
        assertEquals(sockets.size(), warnings.size(), "one warning per socket: " + warnings);
        FileTree back = TarImporter.read(tar);
        TreeAssert.assertSameTree(tree, back, Fidelity.FULL.ignoring(sockets.toArray(String[]::new)));
        try (TarImporter opened = TarImporter.open(tar)) {
            TreeAssert.assertSameTree(tree, opened.tree(), Fidelity.FULL.ignoring(sockets.toArray(String[]::new)));
        }
    }

    @Test
    void openImporterReadsItsArchiveUntilClosed() throws IOException {
        FileTree tree = new FileTree(new Directory(Metadata.of(0755, Timestamp.EPOCH)));
        byte[] data = "hello from the tar".getBytes(StandardCharsets.UTF_8);
        tree.put("/a.txt", new RegularFile(Metadata.of(0644, Timestamp.EPOCH), new BytesContent(data)), Metadata.of(0755, Timestamp.EPOCH));
        Path tar = dir.resolve("held.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        TarImporter opened = TarImporter.open(tar);
        RegularFile f = (RegularFile) opened.tree().lookup("/a.txt");
        // The importer holds the archive: the path may go away while the tree is in use.
        Files.delete(tar);
        assertArrayEquals(data, f.content().readAll());
        assertArrayEquals(data, f.content().readAll(), "reading twice works: the shared channel stays open");
        opened.close();
        assertThrows(IOException.class, () -> f.content().readAll());
    }

    @Test
    void exportIsDeterministic() throws IOException {
        FileTree tree = RandomTrees.generate(7, RandomTrees.Shape.SMALL_POSIX);
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        TarExporter.write(tree, a);
        TarExporter.write(RandomTrees.generate(7, RandomTrees.Shape.SMALL_POSIX), b);
        assertArrayEquals(a.toByteArray(), b.toByteArray());
        assertEquals(0, a.size() % 512);
    }

    @Test
    void bigOwnersLongNamesAndBinaryXattrsSurvive() throws IOException {
        Timestamp t = new Timestamp(1_700_000_000L, 123_456_789);
        FileTree tree = FileTree.empty(t);
        byte[] cap = {1, 0, 0, 2, 0, 0x20, 0, 0, (byte) 0xff, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        Metadata m = new Metadata(04755, (int) 4_000_000_000L, 3_000_000, t, t, t,
                Xattrs.NONE.with("security.capability", cap).with("user.x", "a=b\nc".getBytes(StandardCharsets.UTF_8)));
        String deep = "/" + "d".repeat(200) + "/" + "é".repeat(100);
        RegularFile f = new RegularFile(m, BytesContent.of("hello"));
        tree.put(deep, f, Metadata.of(0755, t));
        tree.put("/link-" + "x".repeat(150), f, Metadata.of(0755, t));
        tree.put("/sym", new Symlink(Metadata.of(0777, t), "/" + "target/".repeat(40)), Metadata.of(0755, t));
        Path tar = dir.resolve("t.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        FileTree back = TarImporter.read(tar);
        TreeAssert.assertSameTree(tree, back, Fidelity.FULL);
        assertSame(back.lookup(deep), back.lookup("/link-" + "x".repeat(150)));
        assertEquals(-294_967_296, back.lookup(deep).metadata().uid());
    }

    static List<String> socketPaths(FileTree tree) {
        List<String> out = new ArrayList<>();
        tree.walk((p, n) -> {
            if (n.type() == FileType.SOCKET) {
                out.add(p);
            }
        });
        return out;
    }

    @Test
    void bigSparseFileKeepsItsSizeAndData() throws Exception {
        long size = (2L << 30) - 1; // the largest sparse member Commons Compress reads back
        Timestamp t0 = Timestamp.ofSeconds(1_234_567_890L);
        GeneratedContent c = new GeneratedContent(3, size, List.of(new DataRange(0, 100), new DataRange(size - 100, 100)));
        FileTree tree = FileTree.empty(t0);
        tree.put("/big", new RegularFile(Metadata.of(0644, t0), c), Metadata.of(0755, t0));
        Path tar = dir.resolve("big.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        assertTrue(Files.size(tar) < 10_000, "holes not stored: " + Files.size(tar));
        RegularFile back = (RegularFile) TarImporter.read(tar).lookup("/big");
        assertEquals(size, back.content().size());
        for (long at : new long[] {0, size - 100, 1L << 30}) {
            assertArrayEquals(read(c, at), read(back.content(), at), "at " + at);
        }
        walt.vpn.testing.Tools.require("tar");
        walt.vpn.testing.Tools.Result r = walt.vpn.testing.Tools.run("tar", "-tvf", tar.toString());
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stdout().contains(" " + size + " "), r.stdout());
    }

    @Test
    void sparseMemberOverTwoGibIsAClearError() throws Exception {
        walt.vpn.testing.Tools.require("tar");
        Path src = Files.createDirectory(dir.resolve("src"));
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(src.resolve("huge").toFile(), "rw")) {
            f.setLength(9L << 30);
            f.write(1);
        }
        Path tar = dir.resolve("huge.tar");
        walt.vpn.testing.Tools.Result r = walt.vpn.testing.Tools.run("tar", "--sparse", "--format=pax", "-cf", tar.toString(), "-C", src.toString(), "huge");
        assertEquals(0, r.exit(), r.all());
        InvalidDataException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidDataException.class, () -> TarImporter.read(tar));
        assertTrue(e.getMessage().contains("over 2 GiB are not supported"), e.getMessage());
    }

    private static byte[] read(Content c, long at) throws IOException {
        try (java.nio.channels.SeekableByteChannel ch = c.open()) {
            ch.position(at);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(100);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill
            }
            return b.array();
        }
    }
}
