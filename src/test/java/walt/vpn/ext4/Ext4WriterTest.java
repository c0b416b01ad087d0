package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.RandomTrees;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Timestamp;

class Ext4WriterTest {

    @TempDir
    Path dir;

    static Ext4Options opts(long seed) {
        return Ext4Options.defaults().withSeed(seed).withCreationTime(Timestamp.ofSeconds(1_700_000_000));
    }

    static Path write(FileTree tree, Path file, long seed) throws Exception {
        Ext4Writer w = new Ext4Writer(opts(seed));
        long size = w.sizeFor(tree);
        try (ImageFile img = ImageFile.createSparse(file, size)) {
            w.write(tree, img);
        }
        return file;
    }

    static void assertClean(Path img) throws Exception {
        Tools.require("e2fsck");
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        String unexpected = r.stdout().lines()
                .filter(l -> !l.startsWith("Pass ") && !l.matches(".*: \\d+/\\d+ files \\(.*\\), \\d+/\\d+ blocks") && !l.startsWith("e2fsck "))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals("", unexpected + r.stderr().lines().filter(l -> !l.startsWith("e2fsck ")).reduce("", (a, b) -> a + b + "\n"), r.all());
        assertEquals(0, r.exit(), r.all());
    }

    @Test
    void debugfsCheckFailsOnAnotherTree() throws Exception {
        FileTree written = RandomTrees.generate(1, RandomTrees.Shape.SMALL_POSIX);
        Path img = write(written, dir.resolve("x.img"), 1);
        FileTree other = RandomTrees.generate(1, RandomTrees.Shape.SMALL_POSIX);
        // Same tree but one permission changed: the oracle must notice.
        other.walk((p, n) -> {
            if (n instanceof walt.vpn.tree.Directory d && p.equals("/")) {
                d.setMetadata(d.metadata().withPermissions(0700));
            }
        });
        java.nio.file.Files.createDirectories(dir.resolve("dx"));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> DebugfsTreeCheck.assertMatches(other, img, dir.resolve("dx")));
    }

    @Test
    void randomTreesAreClean() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            // Every other tree has a directory big enough for an htree index.
            RandomTrees.Shape shape = seed % 2 == 0 ? new RandomTrees.Shape(300, 300_000, 1500, true) : RandomTrees.Shape.SMALL_POSIX;
            FileTree t = RandomTrees.generate(seed, shape);
            Path img = write(t, dir.resolve("r" + seed + ".img"), seed);
            assertClean(img);
            java.nio.file.Files.createDirectories(dir.resolve("d" + seed));
            DebugfsTreeCheck.assertMatches(t, img, dir.resolve("d" + seed));
        }
    }
}
