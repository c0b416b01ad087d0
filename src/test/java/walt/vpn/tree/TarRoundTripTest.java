package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
        try (OutputStream out = Files.newOutputStream(tar)) {
            skipped = TarExporter.write(tree, out);
        }
        List<String> sockets = socketPaths(tree);
        assertEquals(sockets, skipped, "exactly the sockets are left out");
        FileTree back = TarImporter.read(tar);
        TreeAssert.assertSameTree(tree, back, Fidelity.FULL.ignoring(sockets.toArray(String[]::new)));
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
}
