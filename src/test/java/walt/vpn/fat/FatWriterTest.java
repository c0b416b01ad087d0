package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.GeneratedContent;
import walt.vpn.testing.RandomTrees;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.DeviceNode;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FileType;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.SpecialFile;
import walt.vpn.tree.Symlink;
import walt.vpn.tree.Timestamp;

class FatWriterTest {

    @TempDir
    Path tmp;

    static final Timestamp T = Timestamp.ofSeconds(1_700_000_001L);

    private Path write(FileTree tree, FatOptions o, String name) throws Exception {
        FatWriter w = new FatWriter(o);
        Path img = tmp.resolve(name);
        try (ImageFile f = ImageFile.createSparse(img, w.sizeFor(tree))) {
            w.write(tree, f);
        }
        return img;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomTreesPassFsckAndReadBackThroughMtoolsAndFatVolume(long seed) throws Exception {
        FileTree tree = RandomTrees.generate(seed, RandomTrees.Shape.SMALL_FAT);
        Path img = write(tree, FatOptions.defaults().withSeed(seed).withLabel("BOOTFS").withCreationTime(T), "r.img");
        FatImages.assertFsckClean(img);

        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(tree, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);

        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            TreeAssert.assertSameTree(FatImages.fatView(tree, true, true), FatImages.fatView(v.readTree(), true, true), FatImages.FAT);
            FilesystemSummary s = v.summary();
            assertEquals("fat32", s.type());
            assertEquals("BOOTFS", s.label());
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherVolumeId() throws Exception {
        FileTree tree = RandomTrees.generate(7, RandomTrees.Shape.SMALL_FAT);
        FatOptions o = FatOptions.defaults().withSeed(42).withLabel("SAME").withCreationTime(T);
        Path a = write(tree, o, "a.img");
        Path b = write(RandomTrees.generate(7, RandomTrees.Shape.SMALL_FAT), o, "b.img");
        assertEquals(-1, Files.mismatch(a, b), "two writes with the same seed differ");
        Path c = write(tree, o.withSeed(43), "c.img");
        assertNotEquals(-1, Files.mismatch(a, c));
        try (ImageFile fa = ImageFile.openReadOnly(a); ImageFile fc = ImageFile.openReadOnly(c)) {
            assertNotEquals(FatVolume.open(fa).summary().uuid(), FatVolume.open(fc).summary().uuid());
        }
    }

    @Test
    void namesAliasesTimesAndAttributesAsMtoolsShowsThem() throws Exception {
        Tools.require("mdir");
        FileTree tree = FileTree.empty(T);
        Timestamp created = new Timestamp(1_600_000_001L, 370_000_000);
        Metadata m = new Metadata(0644, 0, 0, Timestamp.ofSeconds(1_600_000_003L), Timestamp.ofSeconds(1_650_000_000L), created,
                walt.vpn.tree.Xattrs.NONE);
        tree.put("/README.TXT", new RegularFile(m, BytesContent.of("upper")), m);
        tree.put("/config.txt", new RegularFile(m, BytesContent.of("lower")), m);
        tree.put("/Mixed.Txt", new RegularFile(m, BytesContent.of("mixed")), m);
        tree.put("/long file name with spaces.conf", new RegularFile(m, BytesContent.of("long")), m);
        tree.put("/long file name with spaces.conf2", new RegularFile(m, BytesContent.of("long2")), m);
        tree.put("/ünïcødé 日本語.txt", new RegularFile(m, BytesContent.of("utf")), m);
        tree.put("/ro.txt", new RegularFile(m.withPermissions(0444), BytesContent.of("ro")), m);
        tree.put("/empty", new RegularFile(m, new BytesContent(new byte[0])), m);
        tree.put("/sub dir/deeper/x", new RegularFile(m, BytesContent.of("x")), m);
        Path img = write(tree, FatOptions.defaults().withLabel("MYLABEL").withCreationTime(T), "n.img");
        FatImages.assertFsckClean(img);

        String mdir = FatImages.run("mdir", "-/", "-a", "-i", img.toString(), "::/").stdout();
        assertTrue(mdir.contains("Volume in drive : is MYLABEL"), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.startsWith("README   TXT") && !l.contains("README.TXT")), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.startsWith("config   txt")), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.startsWith("MIXED    TXT") && l.endsWith("Mixed.Txt")), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.startsWith("LONGFI~1 CON") && l.endsWith("long file name with spaces.conf")), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.startsWith("LONGFI~2 CON") && l.endsWith("long file name with spaces.conf2")), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.endsWith("ünïcødé 日本語.txt")), mdir);
        assertTrue(mdir.lines().anyMatch(l -> l.contains("2020-09-13") && l.contains("12:26")), "mtime in UTC: " + mdir);
        assertEquals("mixed", FatImages.run("mtype", "-i", img.toString(), "::/Mixed.Txt").stdout());
        assertEquals("utf", FatImages.run("mtype", "-i", img.toString(), "::/ünïcødé 日本語.txt").stdout());
        String attrs = FatImages.run("mattrib", "-i", img.toString(), "::/ro.txt", "::/config.txt").stdout();
        assertTrue(attrs.lines().anyMatch(l -> l.contains("R") && l.endsWith("ro.txt")), attrs);
        assertTrue(attrs.lines().anyMatch(l -> !l.contains("R") && l.endsWith("config.txt")), attrs);

        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            FileTree back = v.readTree();
            Metadata bm = back.lookup("/Mixed.Txt").metadata();
            assertEquals(Timestamp.ofSeconds(1_600_000_002L), bm.mtime());
            assertEquals(created.seconds(), bm.ctime().seconds());
            assertEquals(370_000_000, bm.ctime().nanos(), "creation time keeps 10 ms");
            assertEquals(1_650_000_000L / 86400 * 86400, bm.atime().seconds(), "access date");
            assertEquals(0444, back.lookup("/ro.txt").metadata().permissions());
            assertEquals(0644, back.lookup("/config.txt").metadata().permissions());
            assertEquals("MYLABEL", v.summary().label());
            TreeAssert.assertSameTree(FatImages.fatView(tree, true, true), FatImages.fatView(back, true, true), FatImages.FAT);
        }
    }

    @Test
    void raspberryPiStyleLowerCaseLabel() throws Exception {
        FileTree tree = FileTree.empty(T);
        tree.put("/cmdline.txt", new RegularFile(Metadata.of(0644, T), BytesContent.of("console=tty1")), Metadata.of(0755, T));
        Path img = write(tree, FatOptions.defaults().withLabel("bootfs").withSeed(9), "pi.img");
        FatImages.assertFsckClean(img);
        String info = FatImages.run("minfo", "-i", img.toString(), "::").stdout();
        assertTrue(info.contains("disk label=\"bootfs     \""), info);
        assertTrue(info.contains("serial number: " + String.format("%08X", FatWriter.volumeId(9))), info);
        assertTrue(info.contains("backup boot sector=6") && info.contains("reserved (boot) sectors: 32"), info);
        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            assertEquals("bootfs", v.summary().label());
        }
    }

    @Test
    void directoriesFillingWholeClustersAndNamesFillingWholeSlots() throws Exception {
        FileTree tree = FileTree.empty(T);
        Metadata m = Metadata.of(0644, T);
        // "." + ".." + 14 entries: exactly one 512-byte cluster, no end marker inside it.
        for (int i = 0; i < 14; i++) {
            tree.put("/full/F" + i, new RegularFile(m, BytesContent.of("f" + i)), Metadata.of(0755, T));
        }
        tree.put("/empty dir/", new Directory(Metadata.of(0755, T)), Metadata.of(0755, T));
        tree.put("/thirteen unit", new RegularFile(m, BytesContent.of("13")), m);
        tree.put("/a name exactly 26 units..x", new RegularFile(m, BytesContent.of("26 too")), m);
        tree.put("/a name exactly 26 units.xx", new RegularFile(m, BytesContent.of("26")), m);
        tree.put("/" + "n".repeat(255), new RegularFile(m, BytesContent.of("255")), m);
        tree.put("/exact-cluster", new RegularFile(m, GeneratedContent.dense(3, 512 * 3)), m);
        Path img = write(tree, FatOptions.defaults(), "full.img");
        FatImages.assertFsckClean(img);
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(tree, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);
        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            TreeAssert.assertSameTree(FatImages.fatView(tree, true, true), FatImages.fatView(v.readTree(), true, true), FatImages.FAT);
        }
    }

    @Test
    void hardLinksBecomeCopies() throws Exception {
        FileTree tree = FileTree.empty(T);
        RegularFile f = new RegularFile(Metadata.of(0644, T), BytesContent.of("shared"));
        tree.put("/a/one", f, Metadata.of(0755, T));
        tree.put("/b/two", f, Metadata.of(0755, T));
        Path img = write(tree, FatOptions.defaults(), "h.img");
        FatImages.assertFsckClean(img);
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(tree, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);
    }

    @Test
    void rejectsWhatFatCannotHoldNamingThePath() throws Exception {
        Metadata m = Metadata.of(0644, T);
        List<Object[]> cases = List.of(
                new Object[] {"/etc/link", new Symlink(m, "target")},
                new Object[] {"/dev/null", new DeviceNode(FileType.CHAR_DEVICE, m, 1, 3)},
                new Object[] {"/run/fifo", new SpecialFile(FileType.FIFO, m)},
                new Object[] {"/run/sock", new SpecialFile(FileType.SOCKET, m)},
                new Object[] {"/bad:name", new RegularFile(m, BytesContent.of("x"))},
                new Object[] {"/trailing.", new RegularFile(m, BytesContent.of("x"))});
        for (Object[] c : cases) {
            FileTree tree = FileTree.empty(T);
            tree.put((String) c[0], (walt.vpn.tree.Node) c[1], Metadata.of(0755, T));
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> new FatWriter(FatOptions.defaults()).sizeFor(tree));
            assertTrue(e.getMessage().contains((String) c[0]), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
        FileTree clash = FileTree.empty(T);
        clash.put("/Name", new RegularFile(m, BytesContent.of("x")), m);
        clash.put("/NAME", new RegularFile(m, BytesContent.of("y")), m);
        assertThrows(InvalidDataException.class, () -> new FatWriter(FatOptions.defaults()).sizeFor(clash));
    }

    @Test
    void sizeForIsMinimalAndHonoursHeadroomAndClusterTiers() throws Exception {
        FileTree empty = FileTree.empty(T);
        FatWriter w = new FatWriter(FatOptions.defaults());
        long min = w.sizeFor(empty);
        assertEquals(0, min % 512);
        assertEquals(512, FatWriter.sectorsPerCluster(min) * 512);
        assertTrue(FatWriter.clustersFor(min / 512, 1) >= BootSector.MIN_FAT32_CLUSTERS);
        assertTrue(FatWriter.clustersFor(min / 512 - 1, 1) < BootSector.MIN_FAT32_CLUSTERS, "one sector less is too small");
        Path img = write(empty, FatOptions.defaults(), "e.img");
        FatImages.assertFsckClean(img);

        // Headroom large enough to move into mkfs.fat's 4 KiB-cluster tier (over 260 MiB).
        long headroom = 300L << 20;
        FileTree tree = FileTree.empty(T);
        tree.put("/big.bin", new RegularFile(Metadata.of(0644, T), GeneratedContent.dense(9, 3_000_001)), Metadata.of(0755, T));
        FatOptions o = FatOptions.defaults().withHeadroomBytes(headroom);
        Path big = write(tree, o, "big.img");
        FatImages.assertFsckClean(big);
        try (ImageFile f = ImageFile.openReadOnly(big); FatVolume v = FatVolume.open(f)) {
            FilesystemSummary s = v.summary();
            assertEquals(4096, s.blockSize());
            assertTrue(s.freeBytes() >= headroom, s.toString());
            assertTrue(s.freeBytes() < headroom + (1 << 20), "not much more than asked: " + s);
            TreeAssert.assertSameTree(FatImages.fatView(tree, true, true), FatImages.fatView(v.readTree(), true, true), FatImages.FAT);
        }
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(big, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(tree, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);
    }

    @Test
    void largeSparseTargetsUseMkfsClusterSizes() throws Exception {
        FileTree tree = RandomTrees.generate(3, RandomTrees.Shape.SMALL_FAT);
        FatWriter w = new FatWriter(FatOptions.defaults().withLabel("BIG"));
        // 9 GiB: mkfs.fat picks 8 KiB clusters above 8 GiB. Sparse, so cheap.
        Path img = tmp.resolve("nine.img");
        try (ImageFile f = ImageFile.createSparse(img, 9L << 30)) {
            w.write(tree, f);
        }
        FatImages.assertFsckClean(img);
        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            assertEquals(8192, v.summary().blockSize());
            TreeAssert.assertSameTree(FatImages.fatView(tree, true, true), FatImages.fatView(v.readTree(), true, true), FatImages.FAT);
        }
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(tree, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);
        assertEquals(9L << 30, Files.size(img));
        // Free clusters are never written: the image stays a hole apart from FATs and data.
        long allocated = Long.parseLong(FatImages.run("stat", "-c", "%b", img.toString()).stdout().trim()) * 512;
        assertTrue(allocated < 64L << 20, "allocated " + allocated);
    }

    @Test
    void tooSmallTargetsAreRefused() throws Exception {
        FileTree tree = FileTree.empty(T);
        tree.put("/f", new RegularFile(Metadata.of(0644, T), GeneratedContent.dense(1, 40_000_000)), Metadata.of(0755, T));
        FatWriter w = new FatWriter(FatOptions.defaults());
        try (ImageFile f = ImageFile.createSparse(tmp.resolve("small.img"), 20 << 20)) {
            assertThrows(java.io.IOException.class, () -> w.write(FileTree.empty(T), f));
        }
        try (ImageFile f = ImageFile.createSparse(tmp.resolve("full.img"), 36 << 20)) {
            assertThrows(java.io.IOException.class, () -> w.write(tree, f));
        }
    }

    @Test
    void bigDirectoryAcrossManyClusters() throws Exception {
        FileTree tree = FileTree.empty(T);
        Directory d = new Directory(Metadata.of(0755, T));
        tree.root().put("many", d);
        for (int i = 0; i < 3000; i++) {
            d.put("entry number " + i + ".config", new RegularFile(Metadata.of(0644, T), BytesContent.of("n" + i)));
        }
        Path img = write(tree, FatOptions.defaults(), "many.img");
        FatImages.assertFsckClean(img);
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(tree, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);
    }
}
