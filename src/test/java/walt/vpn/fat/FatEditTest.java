package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.GeneratedContent;
import walt.vpn.testing.RandomTrees;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Content;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/** Editing existing volumes in place, checked by fsck.fat and mtools. */
class FatEditTest {

    @TempDir
    Path tmp;

    static final Timestamp T = Timestamp.ofSeconds(1_710_000_000L);

    /** Applies the same edits to the image (through FatVolume) and to the expected tree. */
    private static void edit(Path img, FileTree expected) throws Exception {
        try (ImageFile f = ImageFile.openReadWrite(img); FatVolume v = FatVolume.open(f)) {
            long freeBefore = v.summary().freeBytes();
            put(v, expected, "/config.txt", GeneratedContent.dense(3, 70_000));          // replace, grows
            put(v, expected, "/README.TXT", BytesContent.of("short now"));              // replace, shrinks
            put(v, expected, "/new dir/sub/site configuration.yaml", BytesContent.of("entrypoint: x\n"));
            put(v, expected, "/new dir/ssh_host_ed25519_key.pub", BytesContent.of("ssh-ed25519 AAAA\n"));
            put(v, expected, "/empty-new", new BytesContent(new byte[0]));
            put(v, expected, "/ファイル.txt", BytesContent.of("utf-16 name"));
            for (int i = 0; i < 60; i++) {
                // Enough long names to grow a directory past its first cluster.
                put(v, expected, "/new dir/a rather long file name number " + i + ".txt", BytesContent.of("n" + i));
            }
            v.delete("/large.bin");
            ((Directory) expected.lookup("/")).remove("large.bin");
            v.delete("/overlays");
            ((Directory) expected.lookup("/")).remove("overlays");
            v.flush();
            assertTrue(v.summary().freeBytes() > freeBefore - 200_000, "deleting freed the large file's clusters");
        }
    }

    private static void put(FatVolume v, FileTree expected, String path, Content c) throws Exception {
        v.writeFile(path, c, T);
        expected.put(path, new RegularFile(Metadata.of(0644, T), c), Metadata.of(0755, T));
    }

    private void assertImageHolds(Path img, FileTree expected) throws Exception {
        FatImages.assertFsckClean(img);
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out-" + System.nanoTime())));
        TreeAssert.assertSameTree(FatImages.fatView(expected, false, false), FatImages.fatView(viaMtools, false, false), FatImages.FAT);
        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            TreeAssert.assertSameTree(FatImages.fatView(expected, false, false), FatImages.fatView(v.readTree(), false, false),
                    FatImages.FAT);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void editsMkfsVfatImage(int bits) throws Exception {
        Path host = FatReaderTest.sampleHostTree(tmp.resolve("host"));
        Path img = FatReaderTest.mkfsAndCopy(tmp.resolve("m.img"), bits, 64L << 20, host);
        FileTree expected = FatImages.hostTree(host);
        edit(img, expected);
        assertImageHolds(img, expected);
    }

    @Test
    void editsOwnImage() throws Exception {
        FileTree tree = RandomTrees.generate(11, RandomTrees.Shape.SMALL_FAT);
        Path host = FatReaderTest.sampleHostTree(tmp.resolve("host"));
        // The edits expect the sample files; put them beside the random ones.
        FileTree sample = FatImages.hostTree(host);
        for (var e : sample.root().children().entrySet()) {
            tree.root().put(e.getKey(), e.getValue());
        }
        FatWriter w = new FatWriter(FatOptions.defaults().withLabel("OWN").withHeadroomBytes(1 << 20));
        Path img = tmp.resolve("own.img");
        try (ImageFile f = ImageFile.createSparse(img, w.sizeFor(tree))) {
            w.write(tree, f);
        }
        FileTree expected = FatImages.fatView(tree, false, false);
        edit(img, expected);
        assertImageHolds(img, expected);
    }

    @Test
    void replacingFreesTheOldChainAndDeletingMarksEverySlot() throws Exception {
        FileTree tree = FileTree.empty(T);
        tree.put("/a long name that needs three slots.bin", new RegularFile(Metadata.of(0644, T),
                GeneratedContent.dense(1, 1_000_000)), Metadata.of(0755, T));
        FatWriter w = new FatWriter(FatOptions.defaults());
        Path img = tmp.resolve("r.img");
        try (ImageFile f = ImageFile.createSparse(img, w.sizeFor(tree))) {
            w.write(tree, f);
        }
        try (ImageFile f = ImageFile.openReadWrite(img); FatVolume v = FatVolume.open(f)) {
            long free0 = v.summary().freeBytes();
            v.writeFile("/a long name that needs three slots.bin", BytesContent.of("tiny"), T);
            long free1 = v.summary().freeBytes();
            long oldClusters = (1_000_000 + 511) / 512;
            assertEquals(free0 + (oldClusters - 1) * 512, free1, "old chain freed, one cluster used");
            v.delete("/a long name that needs three slots.bin");
            assertEquals(free0 + oldClusters * 512, v.summary().freeBytes(), "everything freed");
            v.flush();
            DirectorySlots root = DirectorySlots.root(f, v.bootSector(), FatTable.read(f, v.bootSector()));
            assertTrue(root.items().isEmpty());
            int slots = LongNameEntry.slotsFor("a long name that needs three slots.bin") + 1;
            byte[] raw = f.readBytes(v.bootSector().clusterOffset(2), slots * 32 + 32);
            // The replacement reused the freed slots; deleting it marks all of them, LFN slots too.
            for (int i = 0; i < slots; i++) {
                assertEquals(0xE5, raw[i * 32] & 0xFF, "slot " + i + " marked deleted");
            }
            assertEquals(0, raw[slots * 32], "end of directory unchanged");
        }
        FatImages.assertFsckClean(img);
    }

    @Test
    void fragmentedWriteOnANearlyFullVolume() throws Exception {
        FileTree tree = FileTree.empty(T);
        for (int i = 0; i < 100; i++) {
            tree.put(String.format("/small/%03d", i), new RegularFile(Metadata.of(0644, T), GeneratedContent.dense(i, 4096)),
                    Metadata.of(0755, T));
        }
        FatWriter w = new FatWriter(FatOptions.defaults());
        long size = w.sizeFor(tree);
        Path img = tmp.resolve("frag.img");
        try (ImageFile f = ImageFile.createSparse(img, size)) {
            w.write(tree, f);
        }
        GeneratedContent big = GeneratedContent.dense(77, 100_000);
        try (ImageFile f = ImageFile.openReadWrite(img); FatVolume v = FatVolume.open(f)) {
            // Fill the free space so that only the holes left by deletions remain.
            long free = v.summary().freeBytes();
            v.writeFile("/filler", GeneratedContent.dense(5, free), T);
            assertEquals(0, v.summary().freeBytes());
            for (int i = 0; i < 100; i += 2) {
                v.delete(String.format("/small/%03d", i));
                ((Directory) tree.lookup("/small")).remove(String.format("%03d", i));
            }
            v.writeFile("/big-and-fragmented", big, T);
            v.flush();
            RegularFile back = (RegularFile) v.readTree().lookup("/big-and-fragmented");
            byte[] want = big.readAll();
            assertTrue(java.util.Arrays.equals(want, back.content().readAll()));
            // Random access across fragments.
            try (var ch = back.content().open()) {
                for (long pos : new long[] {99_000, 5000, 50_000, 0}) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1000);
                    ch.position(pos);
                    while (b.hasRemaining() && ch.read(b) > 0) {
                        // fill
                    }
                    assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(want, (int) pos, (int) pos + b.position()),
                            java.util.Arrays.copyOf(b.array(), b.position())), "at " + pos);
                }
            }
        }
        FatImages.assertFsckClean(img);
        assertTrue(java.util.Arrays.equals(big.readAll(),
                FatImages.run("mtype", "-i", img.toString(), "::/big-and-fragmented").stdoutBytes()), "mtype sees the same bytes");
    }

    @Test
    void fullFat16RootDirectoryFailsCleanly() throws Exception {
        walt.vpn.testing.Tools.require("mkfs.vfat");
        Path img = tmp.resolve("r16.img");
        var mk = FatImages.run("mkfs.vfat", "-C", "-F", "16", "-r", "16", img.toString(), "20480");
        assertEquals(0, mk.exit(), mk.all());
        try (ImageFile f = ImageFile.openReadWrite(img); FatVolume v = FatVolume.open(f)) {
            long free = v.summary().freeBytes();
            int slots = v.bootSector().rootEntryCount(); // mkfs.fat rounds -r up to whole clusters
            for (int i = 0; i < slots; i++) {
                v.writeFile("/F" + i, BytesContent.of("data " + i), T);
            }
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> v.writeFile("/MORE", BytesContent.of("more"), T));
            assertTrue(e.getMessage().contains("root directory is full"), e.getMessage());
            assertThrows(java.io.IOException.class, () -> v.mkdirs("/newdir", T));
            assertEquals(free - (long) slots * v.bootSector().clusterBytes(), v.summary().freeBytes(), "failed writes leave no lost clusters");
            v.writeFile("/F3", BytesContent.of("replaced in place"), T);
        }
        FatImages.assertFsckClean(img);
        assertEquals("replaced in place", FatImages.run("mtype", "-i", img.toString(), "::/F3").stdout());
    }

    @Test
    void errorsForMissingPathsAndFileDirectoryMixups() throws Exception {
        FatWriter w = new FatWriter(FatOptions.defaults());
        Path img = tmp.resolve("e.img");
        FileTree tree = FileTree.empty(T);
        tree.put("/dir/file", new RegularFile(Metadata.of(0644, T), BytesContent.of("x")), Metadata.of(0755, T));
        try (ImageFile f = ImageFile.createSparse(img, w.sizeFor(tree))) {
            w.write(tree, f);
        }
        try (ImageFile f = ImageFile.openReadWrite(img); FatVolume v = FatVolume.open(f)) {
            assertThrows(java.nio.file.NoSuchFileException.class, () -> v.delete("/nope"));
            assertThrows(java.io.IOException.class, () -> v.writeFile("/dir", BytesContent.of("x"), T));
            assertThrows(java.io.IOException.class, () -> v.writeFile("/dir/file/below", BytesContent.of("x"), T));
            assertThrows(walt.vpn.tree.InvalidDataException.class, () -> v.writeFile("/a:b", BytesContent.of("x"), T));
            v.mkdirs("/dir/x/y", T);
            v.mkdirs("/dir/x/y", T);
            assertNull(v.readTree().lookup("/dir/x/y/z"));
            assertTrue(v.readTree().lookup("/dir/x/y") instanceof Directory);
        }
        FatImages.assertFsckClean(img);
        byte[] before = java.nio.file.Files.readAllBytes(img);
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            FatVolume v = FatVolume.open(f);
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> v.writeFile("/dir/new", BytesContent.of("x"), T));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(java.io.IOException.class, v::flush);
        }
        assertTrue(java.util.Arrays.equals(before, java.nio.file.Files.readAllBytes(img)), "read-only image untouched");
    }
}
