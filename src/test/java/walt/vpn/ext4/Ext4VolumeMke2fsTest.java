package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.Tools;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.Node;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

/** Our reader on images made by mke2fs -d in several feature sets, against debugfs and dumpe2fs. */
class Ext4VolumeMke2fsTest {

    @TempDir
    static Path work;

    static Path src;

    @BeforeAll
    static void source() throws Exception {
        src = work.resolve("src");
        Files.createDirectories(src.resolve("etc/deep/er/still"));
        Files.writeString(src.resolve("etc/hostname"), "node\n");
        Files.writeString(src.resolve("etc/deep/er/still/ünïcødé file"), "x".repeat(5000));
        byte[] big = new byte[5_000_000];
        new Random(1).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        try (var ch = java.nio.channels.FileChannel.open(src.resolve("sparse"), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("start".getBytes()), 0);
            ch.write(java.nio.ByteBuffer.wrap("end".getBytes()), 40_000_000);
        }
        Files.createSymbolicLink(src.resolve("short"), Path.of("etc/hostname"));
        Files.createSymbolicLink(src.resolve("long"), Path.of("a/".repeat(100) + "target"));
        Files.createLink(src.resolve("etc/hardlink"), src.resolve("etc/hostname"));
        Files.createDirectories(src.resolve("many"));
        for (int i = 0; i < 3000; i++) {
            Files.writeString(src.resolve("many/entry-" + i), Integer.toString(i));
        }
        Files.writeString(src.resolve("n".repeat(255)), "long name");
        if (Tools.find("mkfifo") != null) {
            Tools.run("mkfifo", src.resolve("fifo").toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-t ext4", "-t ext2", "-t ext3", "-t ext4 -b 1024", "-t ext4 -O ^metadata_csum",
        "-t ext4 -O ^64bit", "-t ext4 -I 128"})
    void readsWhatMke2fsWrote(String options) throws Exception {
        Tools.require("mke2fs");
        Path img = work.resolve("img" + options.replaceAll("[^a-z0-9]", "_"));
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-d", src.toString()));
        cmd.addAll(List.of(options.split(" ")));
        cmd.addAll(List.of(img.toString(), "120M"));
        Tools.Result mk = Tools.run(cmd, null, 120);
        assertEquals(0, mk.exit(), mk.all());
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            Ext4Volume vol = Ext4Volume.open(f);
            FileTree tree = vol.readTree();
            assertArrayEquals(Files.readAllBytes(src.resolve("big.bin")), ((RegularFile) tree.lookup("/big.bin")).content().readAll());
            assertEquals("x".repeat(5000), new String(((RegularFile) tree.lookup("/etc/deep/er/still/ünïcødé file")).content().readAll()));
            RegularFile sparse = (RegularFile) tree.lookup("/sparse");
            assertEquals(40_000_003, sparse.content().size());
            byte[] all = sparse.content().readAll();
            assertEquals("start", new String(all, 0, 5));
            assertEquals("end", new String(all, 40_000_000, 3));
            assertTrue(sparse.content().dataRanges().size() >= 2, "holes reported as holes");
            assertEquals("etc/hostname", ((Symlink) tree.lookup("/short")).target());
            assertEquals("a/".repeat(100) + "target", ((Symlink) tree.lookup("/long")).target());
            assertTrue(tree.lookup("/etc/hardlink") == tree.lookup("/etc/hostname"), "hard link is one node");
            assertEquals(3000, ((Directory) tree.lookup("/many")).children().size());
            assertInstanceOf(RegularFile.class, tree.lookup("/" + "n".repeat(255)));
            assertDebugfsAgrees(img, tree);
            assertDumpe2fsAgrees(img, vol.summary());
        }
    }

    /** Every entry debugfs lists under the root and /etc, with its inode's mode, owner and size. */
    private static void assertDebugfsAgrees(Path img, FileTree tree) throws Exception {
        for (String dir : new String[] {"/", "/etc", "/many"}) {
            String ls = Debugfs.batch(img, List.of("ls -p " + dir)).get("ls -p " + dir);
            int count = 0;
            for (String line : ls.split("\n")) {
                String[] f = line.split("/", -1);
                if (f.length < 7 || f[5].equals(".") || f[5].equals("..")) {
                    continue;
                }
                Node n = tree.lookup((dir.equals("/") ? "" : dir) + "/" + f[5]);
                assertTrue(n != null, "debugfs lists " + f[5] + " in " + dir);
                assertEquals(Integer.parseInt(f[2], 8), n.type().formatBits() | n.metadata().permissions(), f[5] + ": mode");
                assertEquals(f[3] + ":" + f[4], n.metadata().uid() + ":" + n.metadata().gid(), f[5] + ": owner");
                if (n instanceof RegularFile r) {
                    assertEquals(Long.parseLong(f[6]), r.content().size(), f[5] + ": size");
                }
                count++;
            }
            Directory d = (Directory) tree.lookup(dir);
            assertEquals(d.children().size(), count, dir + ": entry count");
        }
    }

    private static void assertDumpe2fsAgrees(Path img, FilesystemSummary s) throws Exception {
        Tools.Result r = Tools.run("dumpe2fs", "-h", img.toString());
        String out = r.stdout();
        assertTrue(out.contains("Filesystem UUID:          " + s.uuid()), out);
        assertTrue(out.contains("Inode count:              " + s.inodeCount() + "\n"), out);
        assertTrue(out.contains("Free inodes:              " + s.freeInodes() + "\n"), out);
        assertTrue(out.contains("Block size:               " + s.blockSize() + "\n"), out);
        assertTrue(out.contains("Free blocks:              " + s.freeBytes() / s.blockSize() + "\n"), out);
        assertTrue(out.contains("Filesystem features:      " + String.join(" ", s.features()) + "\n"), out);
    }
}
