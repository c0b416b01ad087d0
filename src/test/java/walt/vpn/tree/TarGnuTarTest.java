package walt.vpn.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.testing.TreeAssert.Fidelity;

/** GNU tar is the oracle: what it writes we read, what we write it extracts. */
class TarGnuTarTest {

    /** Reading a directory or archiving it changes atimes; ctime cannot be restored by tar. */
    private static final Fidelity NO_ATIME_CTIME = new Fidelity(true, true, true, false, Set.of());

    @TempDir
    Path tmp;
    Path src;
    boolean root;

    @BeforeEach
    void makeSourceDirectory() throws Exception {
        Tools.require("tar");
        root = "root".equals(System.getProperty("user.name"));
        src = Files.createDirectory(tmp.resolve("src"));
        Files.createDirectories(src.resolve("etc/deep/er"));
        Path etc = src.resolve("etc");
        Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.writeString(src.resolve("ünïcødé file"), "x".repeat(5000));
        Path longDir = Files.createDirectories(src.resolve("d".repeat(120)));
        Files.writeString(longDir.resolve("n".repeat(200)), "long");
        Files.write(src.resolve("empty"), new byte[0]);
        Files.createSymbolicLink(src.resolve("link"), Path.of("etc/hosts"));
        Files.createSymbolicLink(src.resolve("longlink"), Path.of("/" + "t".repeat(150)));
        Files.createLink(src.resolve("etc/deep/hard"), etc.resolve("hosts"));
        Tools.run("mkfifo", src.resolve("fifo").toString());
        Tools.run("chmod", "4750", src.resolve("empty").toString());
        UserDefinedFileAttributeView v = Files.getFileAttributeView(etc.resolve("hosts"), UserDefinedFileAttributeView.class);
        v.write("comment", ByteBuffer.wrap(new byte[] {0, (byte) 0xff, 'a', '\n'}));
        if (root) {
            Tools.run("mknod", src.resolve("null").toString(), "c", "1", "3");
            Tools.run("mknod", src.resolve("blk").toString(), "b", "7", "300");
            Tools.run("chown", "-h", "1234:4321", src.resolve("link").toString());
            Tools.run("chown", "3000000:5", src.resolve("ünïcødé file").toString());
        }
        Files.setLastModifiedTime(src.resolve("empty"), FileTime.from(java.time.Instant.ofEpochSecond(1_600_000_000L, 987_654_321)));
    }

    @Test
    void importsWhatGnuTarArchived() throws Exception {
        FileTree expected = new HostDirectoryReader(src).keepOwners(true).read();
        Path tar = tmp.resolve("gnu.tar");
        Tools.Result r = Tools.run(List.of("tar", "--xattrs", "--format=pax", "-cf", tar.toString(), "-C", src.toString(), "."), null, 60);
        assertEquals(0, r.exit(), r.all());
        FileTree got = TarImporter.read(tar);
        TreeAssert.assertSameTree(expected, got, NO_ATIME_CTIME);
        assertSame(got.lookup("/etc/hosts"), got.lookup("/etc/deep/hard"));
        assertEquals(new Timestamp(1_600_000_000L, 987_654_321), got.lookup("/empty").metadata().mtime());
    }

    @Test
    void importsDevicesBigOwnersAndCapabilitiesAsRoot() throws Exception {
        Tools.requireRoot();
        Tools.require("setcap");
        Path ping = src.resolve("ping");
        Files.writeString(ping, "elf");
        Tools.Result cap = Tools.run("setcap", "cap_net_raw+ep", ping.toString());
        org.junit.jupiter.api.Assumptions.assumeTrue(cap.exit() == 0, "setcap refused here (no CAP_SETFCAP?): " + cap.all());
        Path tar = tmp.resolve("gnu-root.tar");
        Tools.Result r = Tools.run(List.of("tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-cf", tar.toString(), "-C", src.toString(), "."), null, 60);
        assertEquals(0, r.exit(), r.all());
        FileTree got = TarImporter.read(tar);
        assertEquals(3_000_000, got.lookup("/ünïcødé file").metadata().uid());
        assertEquals("1234:4321", got.lookup("/link").metadata().uid() + ":" + got.lookup("/link").metadata().gid());
        DeviceNode blk = (DeviceNode) got.lookup("/blk");
        assertEquals(FileType.BLOCK_DEVICE + " 7:300", blk.type() + " " + blk.major() + ":" + blk.minor());
        assertEquals(FileType.CHAR_DEVICE, got.lookup("/null").type());
        // VFS_CAP_REVISION_2 with the effective flag, permitted = 1 << CAP_NET_RAW (13).
        byte[] netRaw = java.util.HexFormat.of().parseHex("0100000200200000000000000000000000000000");
        org.junit.jupiter.api.Assertions.assertArrayEquals(netRaw, got.lookup("/ping").metadata().xattrs().get("security.capability"));

        // And back: GNU tar restores the capability from our archive, as getcap sees it.
        Path ours = tmp.resolve("ours-root.tar");
        try (OutputStream out = Files.newOutputStream(ours)) {
            TarExporter.write(got, out);
        }
        Path out = Files.createDirectory(tmp.resolve("out-root"));
        Tools.Result x = Tools.run(List.of("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-xpf", ours.toString(), "-C", out.toString()), null, 60);
        assertEquals(0, x.exit(), x.all());
        Tools.Result gc = Tools.run("getcap", out.resolve("ping").toString());
        assertTrue(gc.stdout().contains("cap_net_raw=ep"), gc.all());
        assertEquals("c", Tools.run("stat", "-c", "%F", out.resolve("null").toString()).stdout().substring(0, 1));
        assertEquals("3000000", Tools.run("stat", "-c", "%u", out.resolve("ünïcødé file").toString()).stdout().trim());
    }

    @Test
    void gnuTarExtractsWhatWeExported() throws Exception {
        FileTree tree = new HostDirectoryReader(src).keepOwners(true).read();
        Path tar = tmp.resolve("ours.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        Tools.Result list = Tools.run(List.of("tar", "-tvf", tar.toString()), null, 60);
        assertEquals(0, list.exit(), list.all());
        assertTrue(list.stdout().contains("etc/hosts link to etc/deep/hard"), list.stdout());
        assertEquals("", list.stderr());
        Path out = Files.createDirectory(tmp.resolve("out"));
        List<String> cmd = new java.util.ArrayList<>(List.of("tar", "--xattrs", "--xattrs-include=*", "-xpf", tar.toString(), "-C", out.toString()));
        if (root) {
            cmd.add(1, "--numeric-owner");
        }
        Tools.Result x = Tools.run(cmd, null, 60);
        assertEquals(0, x.exit(), x.all());
        assertEquals("", x.stderr());
        FileTree back = new HostDirectoryReader(out).keepOwners(true).read();
        Fidelity f = root ? NO_ATIME_CTIME : new Fidelity(false, true, true, false, Set.of());
        TreeAssert.assertSameTree(tree, back, f);
    }

    @Test
    void gnuSparseMembersKeepTheirHoles() throws Exception {
        Path sparse = src.resolve("sparse");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(10 << 20);
            f.seek(3 << 20);
            f.write("in the middle".getBytes(StandardCharsets.UTF_8));
            f.seek((10 << 20) - 5);
            f.write("end!!".getBytes(StandardCharsets.UTF_8));
        }
        for (String format : List.of("pax", "gnu")) {
            Path tar = tmp.resolve("sparse-" + format + ".tar");
            Tools.Result r = Tools.run(List.of("tar", "--sparse", "--format=" + format, "-cf", tar.toString(), "-C", src.toString(), "sparse", "etc"), null, 60);
            assertEquals(0, r.exit(), r.all());
            assertTrue(Files.size(tar) < 1 << 20, format + " archive stores the holes: " + Files.size(tar));
            FileTree tree = TarImporter.read(tar);
            RegularFile got = (RegularFile) tree.lookup("/sparse");
            assertEquals("127.0.0.1 localhost\n", new String(((RegularFile) tree.lookup("/etc/hosts")).content().readAll(), StandardCharsets.US_ASCII),
                    format + ": the member after a sparse one");
            assertEquals(10 << 20, got.content().size(), format);
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(sparse), got.content().readAll()), format + ": content");
            long mapped = got.content().dataRanges().stream().mapToLong(DataRange::length).sum();
            assertTrue(mapped < 1 << 20, format + ": data ranges cover only data, not holes: " + mapped);
        }
    }

    @Test
    void gnuTarExtractsOurSparseMembersWithHoles() throws Exception {
        long size = 64L << 20;
        Timestamp t0 = Timestamp.ofSeconds(1_500_000_000L);
        FileTree tree = FileTree.empty(t0);
        walt.vpn.testing.GeneratedContent content = new walt.vpn.testing.GeneratedContent(9, size,
                List.of(new DataRange(1000, 5000), new DataRange(40L << 20, 70_000)));
        tree.put("/big/sparse", new RegularFile(Metadata.of(0644, t0), content), Metadata.of(0755, t0));
        tree.put("/big/after", new RegularFile(Metadata.of(0600, t0), BytesContent.of("after")), Metadata.of(0755, t0));
        Path tar = tmp.resolve("sparse-ours.tar");
        try (OutputStream out = Files.newOutputStream(tar)) {
            TarExporter.write(tree, out);
        }
        assertTrue(Files.size(tar) < 200_000, "holes are not stored: " + Files.size(tar));
        Path out = Files.createDirectory(tmp.resolve("sparse-out"));
        Tools.Result x = Tools.run(List.of("tar", "-xf", tar.toString(), "-C", out.toString()), null, 60);
        assertEquals(0, x.exit(), x.all());
        Path got = out.resolve("big/sparse");
        assertEquals(size, Files.size(got));
        assertEquals("after", Files.readString(out.resolve("big/after")));
        try (java.io.InputStream a = content.openStream(); java.io.InputStream b = Files.newInputStream(got)) {
            byte[] ba = new byte[1 << 16];
            byte[] bb = new byte[1 << 16];
            for (long pos = 0; pos < size; pos += ba.length) {
                a.readNBytes(ba, 0, ba.length);
                b.readNBytes(bb, 0, bb.length);
                assertTrue(java.util.Arrays.equals(ba, bb), "content differs near byte " + pos);
            }
        }
        String[] st = Tools.run("stat", "-c", "%b %B", got.toString()).stdout().trim().split(" ");
        assertTrue(Long.parseLong(st[0]) * Long.parseLong(st[1]) < 1 << 20, "GNU tar recreated the holes");
        TreeAssert.assertSameTree(tree, TarImporter.read(tar), Fidelity.FULL);
    }
}
