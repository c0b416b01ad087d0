package walt.vpn.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.GeneratedContent;
import walt.vpn.testing.Tools;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Content;
import walt.vpn.tree.DataRange;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.SpecialFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

class Ext4WriterCasesTest {

    static final Timestamp T = new Timestamp(1_600_000_000L, 123_456_789);

    @TempDir
    Path dir;

    static Metadata meta(int perms) {
        return Metadata.of(perms, T);
    }

    private Path checked(FileTree tree, String name) throws Exception {
        Path img = Ext4WriterTest.write(tree, dir.resolve(name), 7);
        Ext4WriterTest.assertClean(img);
        Path scratch = Files.createDirectories(dir.resolve(name + ".d"));
        DebugfsTreeCheck.assertMatches(tree, img, scratch);
        return img;
    }

    @Test
    void aNodeThatCannotBeWrittenIsNamedByItsPath() {
        FileTree t = FileTree.empty(T);
        t.put("/etc/ok", new Symlink(meta(0777), "x"), meta(0755));
        t.put("/etc/deep/too-long", new Symlink(meta(0777), "x".repeat(5000)), meta(0755));
        walt.vpn.tree.InvalidDataException e = assertThrows(walt.vpn.tree.InvalidDataException.class,
                () -> Ext4WriterTest.write(t, dir.resolve("bad.img"), 7));
        assertTrue(e.getMessage().startsWith("/etc/deep/too-long: symlink target longer than"), e.getMessage());
    }

    @Test
    void aRootLostFoundThatIsNoDirectoryIsRefused() throws Exception {
        FileTree t = FileTree.empty(T);
        t.put("/lost+found", new RegularFile(meta(0644), BytesContent.of("x")), meta(0755));
        Path out = dir.resolve("lf.img");
        walt.vpn.tree.InvalidDataException e = assertThrows(walt.vpn.tree.InvalidDataException.class,
                () -> Ext4WriterTest.write(t, out, 7));
        assertTrue(e.getMessage().startsWith("/lost+found: ext4 keeps a directory of its own there"), e.getMessage());
        // Deeper down, the name is an ordinary one.
        FileTree deeper = FileTree.empty(T);
        deeper.put("/srv/lost+found", new RegularFile(meta(0644), BytesContent.of("x")), meta(0755));
        checked(deeper, "deeper.img");
    }

    @Test
    void everyFileTypeAndSymlinkLengths() throws Exception {
        FileTree t = FileTree.empty(T);
        for (int len : new int[] {1, 59, 60, 61, 4000}) {
            t.put("/links/l" + len, new Symlink(meta(0777), "x".repeat(len)), meta(0755));
        }
        t.put("/dev/null", new DeviceNode(FileType.CHAR_DEVICE, meta(0666), 1, 3), meta(0755));
        t.put("/dev/big", new DeviceNode(FileType.BLOCK_DEVICE, meta(0660), 259, 70000), meta(0755));
        t.put("/run/fifo", new SpecialFile(FileType.FIFO, meta(0644)), meta(0755));
        t.put("/run/sock", new SpecialFile(FileType.SOCKET, meta(0755)), meta(0755));
        RegularFile shared = new RegularFile(meta(04755), BytesContent.of("#!/bin/sh\necho hi\n"));
        t.put("/bin/a", shared, meta(0755));
        t.put("/usr/bin/b", shared, meta(0755));
        t.put("/empty", new RegularFile(new Metadata(0600, 1000, 1000, T, T, T, walt.vpn.tree.Xattrs.NONE), BytesContent.of("")), meta(0755));
        t.put("/lost+found", new Directory(meta(0700)), meta(0755));
        checked(t, "types.img");
    }

    @Test
    void xattrsInInodeAndInBlockAndAcls() throws Exception {
        FileTree t = FileTree.empty(T);
        var small = walt.vpn.tree.Xattrs.NONE.with("user.a", "b".getBytes())
                .with("security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        var big = walt.vpn.tree.Xattrs.NONE.with("user.big", new byte[2000]).with("trusted.t", "v".getBytes());
        // user::rw- group::r-- other::r-- user 1000 rw- mask rw-, in the kernel's xattr form.
        java.nio.ByteBuffer acl = java.nio.ByteBuffer.allocate(4 + 5 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        acl.putInt(2);
        acl.putShort((short) 1).putShort((short) 6).putInt(-1);
        acl.putShort((short) 2).putShort((short) 6).putInt(1000);
        acl.putShort((short) 4).putShort((short) 4).putInt(-1);
        acl.putShort((short) 0x10).putShort((short) 6).putInt(-1);
        acl.putShort((short) 0x20).putShort((short) 4).putInt(-1);
        var withAcl = walt.vpn.tree.Xattrs.NONE.with("system.posix_acl_access", acl.array());
        t.put("/small", new RegularFile(meta(0644).withXattrs(small), BytesContent.of("s")), meta(0755));
        t.put("/big", new RegularFile(meta(0644).withXattrs(big), BytesContent.of("b")), meta(0755));
        t.put("/acl", new RegularFile(meta(0664).withXattrs(withAcl), BytesContent.of("a")), meta(0755));
        Path img = checked(t, "xattr.img");
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            FileTree back = Ext4Volume.open(f).readTree();
            walt.vpn.testing.TreeAssert.assertSameTree(t, back, walt.vpn.testing.TreeAssert.Fidelity.FULL.ignoring("/lost+found"));
        }
        String stat = Debugfs.batch(img, List.of("stat /big")).get("stat /big");
        assertFalse(stat.contains("File ACL: 0\n"), "a 2000-byte value needs an xattr block: " + stat);
    }

    @Test
    void largeAndSparseFilesNeedDeepExtentTrees() throws Exception {
        FileTree t = FileTree.empty(T);
        long big = 130L << 20;
        t.put("/big", new RegularFile(meta(0644), GeneratedContent.dense(3, big)), meta(0755));
        List<DataRange> ranges = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ranges.add(new DataRange(i * 3L * 4096, 4096));
        }
        long sparseSize = 2000 * 3L * 4096 + 100;
        GeneratedContent sparse = new GeneratedContent(4, sparseSize, ranges);
        t.put("/sparse", new RegularFile(meta(0644), sparse), meta(0755));
        Path img = Ext4WriterTest.write(t, dir.resolve("big.img"), 1);
        Ext4WriterTest.assertClean(img);
        var out = Debugfs.batch(img, List.of("stat /big", "stat /sparse", "dump /big " + dir.resolve("big.out"), "dump /sparse " + dir.resolve("sparse.out")));
        assertTrue(out.get("stat /big").matches("(?s).*\\(0-\\d+\\):\\d+-\\d+, \\(\\d+-33279\\).*"),
                "more than 128 MiB takes more than one extent: " + out.get("stat /big"));
        assertTrue(out.get("stat /sparse").contains("(ETB1)"), "2000 extents take a two-level tree: " + out.get("stat /sparse"));
        assertArrayEquals(sha(sparse), sha(Files.newInputStream(dir.resolve("sparse.out"))));
        assertArrayEquals(sha(t.lookup("/big") instanceof RegularFile f ? f.content() : null), sha(Files.newInputStream(dir.resolve("big.out"))));
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            FileTree back = Ext4Volume.open(f).readTree();
            RegularFile s = (RegularFile) back.lookup("/sparse");
            assertEquals(2000, s.content().dataRanges().size(), "holes stay holes");
            assertArrayEquals(sha(sparse), sha(s.content()));
        }
        // Holes cost nothing on the host either.
        assertTrue(Files.size(img) > 130L << 20);
    }

    @Test
    void mediumDirectoryHasOneIndexLevel() throws Exception {
        FileTree t = FileTree.empty(T);
        Directory d = new Directory(meta(0755));
        t.root().put("medium", d);
        for (int i = 0; i < 3000; i++) {
            d.put("ünïcødé-entry-" + i, new RegularFile(meta(0644), BytesContent.of(Integer.toString(i))));
        }
        Path img = checked(t, "medium.img");
        var out = Debugfs.batch(img, List.of("stat /medium", "htree_dump /medium"));
        assertTrue(out.get("stat /medium").contains("Flags: 0x81000"), "indexed and extent-mapped: " + out.get("stat /medium"));
        assertTrue(out.get("htree_dump /medium").contains("Indirect levels: 0"), out.get("htree_dump /medium"));
        assertFalse(out.get("htree_dump /medium").contains("Bad"), out.get("htree_dump /medium"));
    }

    @Test
    void hundredThousandEntryDirectory() throws Exception {
        FileTree t = FileTree.empty(T);
        Directory d = new Directory(meta(0755));
        t.root().put("many", d);
        Content empty = BytesContent.of("");
        for (int i = 0; i < 100_000; i++) {
            d.put("file-with-a-longish-name-" + i, new RegularFile(meta(0644), empty));
        }
        Path img = Ext4WriterTest.write(t, dir.resolve("dir.img"), 1);
        Ext4WriterTest.assertClean(img);
        var out = Debugfs.batch(img, List.of("stat /many/file-with-a-longish-name-0", "stat /many/file-with-a-longish-name-99999",
                "stat /many/file-with-a-longish-name-54321"));
        out.forEach((k, v) -> assertTrue(v.contains("Type: regular"), k + ": " + v));
        String dump = Debugfs.batch(img, List.of("htree_dump /many")).get("htree_dump /many");
        assertTrue(dump.contains("Indirect levels: 1"), "100k entries need two index levels");
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            assertEquals(100_000, ((Directory) Ext4Volume.open(f).readTree().lookup("/many")).children().size());
        }
    }

    /** First boot grows the root filesystem to the card: resize2fs must accept what we wrote. */
    @Test
    void growsWithResize2fs() throws Exception {
        Tools.require("resize2fs");
        FileTree t = walt.vpn.testing.RandomTrees.generate(8, walt.vpn.testing.RandomTrees.Shape.SMALL_POSIX);
        Path img = Ext4WriterTest.write(t, dir.resolve("grow.img"), 1);
        long before = Files.size(img);
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), (2L << 30) - 1);
        }
        Tools.Result r = Tools.run("resize2fs", img.toString());
        assertEquals(0, r.exit(), r.all());
        Ext4WriterTest.assertClean(img);
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            Ext4Volume v = Ext4Volume.open(f);
            assertEquals(2L << 30, v.summary().sizeBytes(), "grown from " + before);
            walt.vpn.testing.TreeAssert.assertSameTree(t, v.readTree(), walt.vpn.testing.TreeAssert.Fidelity.FULL.ignoring("/lost+found"));
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherUuid() throws Exception {
        FileTree t = walt.vpn.testing.RandomTrees.generate(5, walt.vpn.testing.RandomTrees.Shape.SMALL_POSIX);
        Path a = Ext4WriterTest.write(t, dir.resolve("a.img"), 42);
        Path b = Ext4WriterTest.write(t, dir.resolve("b.img"), 42);
        Path c = Ext4WriterTest.write(t, dir.resolve("c.img"), 43);
        assertEquals(-1, Files.mismatch(a, b));
        try (ImageFile fa = ImageFile.openReadOnly(a); ImageFile fc = ImageFile.openReadOnly(c)) {
            assertFalse(Ext4Volume.open(fa).summary().uuid().equals(Ext4Volume.open(fc).summary().uuid()));
        }
    }

    @Test
    void treeTooLargeForTheSizeIsAClearError() throws Exception {
        FileTree t = FileTree.empty(T);
        t.put("/blob", new RegularFile(meta(0644), GeneratedContent.dense(1, 8L << 20)), meta(0755));
        try (ImageFile img = ImageFile.createSparse(dir.resolve("small.img"), 4L << 20)) {
            IOException e = assertThrows(IOException.class, () -> new Ext4Writer(Ext4WriterTest.opts(1)).write(t, img));
            assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        }
    }

    static byte[] sha(Content c) throws Exception {
        return sha(c.openStream());
    }

    static byte[] sha(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
