package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.GeneratedContent;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Content;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.InvalidDataException;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/**
 * FAT12 volumes made by mkfs.fat and filled by mtools: read back, edited, and damaged. The
 * oracles are the source bytes, mdir/mshowfat and fsck.fat -n.
 */
class Fat12Test {

    /** BPB fields the damage helpers need (Microsoft's FAT specification, section 3.1). */
    private static final int BPB_BYTES_PER_SECTOR = 11;
    private static final int BPB_RESERVED_SECTORS = 14;
    private static final int BPB_FAT_COUNT = 16;
    private static final int BPB_FAT_SECTORS_16 = 22;

    static final Timestamp T = Timestamp.ofSeconds(1_710_000_000L);

    @TempDir
    Path tmp;

    /** A small host tree: 8.3 and long names, non-ASCII, empty, nested, many entries, and one big file. */
    static Path hostTree(Path root, int bigBytes) throws IOException {
        Files.createDirectories(root);
        Random rnd = new Random(12);
        Files.writeString(root.resolve("config.txt"), "lower case 8.3\n");
        Files.writeString(root.resolve("README.TXT"), "upper case 8.3\n");
        Files.writeString(root.resolve("Mixed Case Long Name.conf"), "long\n");
        Files.writeString(root.resolve("ünïcødé-日本語.txt"), "utf\n");
        Files.write(root.resolve("empty"), new byte[0]);
        byte[] big = new byte[bigBytes];
        rnd.nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Path sub = Files.createDirectories(root.resolve("overlays/deeper"));
        Files.writeString(sub.resolve("leaf.dtbo"), "leaf");
        Path many = Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < 40; i++) {
            Files.writeString(many.resolve("file-with-a-long-name-" + i + ".data"), "content " + i);
        }
        long t = 1_500_000_000L;
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis((t += 7777) * 1000));
            }
        }
        return root;
    }

    private static void mkfs(Path img, String... args) throws Exception {
        Tools.require("mkfs.fat");
        // mkfs.fat [OPTIONS] -C IMAGE KiB: the last argument is the size.
        List<String> cmd = new ArrayList<>(List.of("mkfs.fat", "-C", "-n", "SMALL"));
        cmd.addAll(List.of(args).subList(0, args.length - 1));
        cmd.add(img.toString());
        cmd.add(args[args.length - 1]);
        Tools.Result r = Tools.run(cmd, null, 60, FatImages.ENV);
        assertEquals(0, r.exit(), r.all());
    }

    private static void mcopy(Path img, Path... sources) throws Exception {
        Tools.require("mcopy");
        List<String> cmd = new ArrayList<>(List.of("mcopy", "-s", "-m", "-i", img.toString()));
        for (Path p : sources) {
            cmd.add(p.toString());
        }
        cmd.add("::/");
        Tools.Result r = Tools.run(cmd, null, 120, FatImages.ENV);
        assertEquals(0, r.exit(), r.all());
    }

    private static void mcopyContents(Path img, Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            mcopy(img, s.sorted().toArray(Path[]::new));
        }
    }

    /** The clusters of a file as mshowfat prints them ("::/big <2-587> <600-610>"). */
    static List<long[]> mshowfat(Path img, String path) throws Exception {
        Tools.require("mshowfat");
        Tools.Result r = FatImages.run("mshowfat", "-i", img.toString(), "::" + path);
        assertEquals(0, r.exit(), r.all());
        List<long[]> runs = new ArrayList<>();
        Matcher m = Pattern.compile("<(\\d+)(?:-(\\d+))?>").matcher(r.stdout());
        while (m.find()) {
            long a = Long.parseLong(m.group(1));
            long b = m.group(2) == null ? a : Long.parseLong(m.group(2));
            runs.add(new long[] {a, b});
        }
        assertTrue(!runs.isEmpty(), r.stdout());
        return runs;
    }

    private static void assertReadsAs(Path img, FileTree expected, String label) throws Exception {
        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            FilesystemSummary s = v.summary();
            assertEquals("fat12", s.type());
            assertEquals(label, s.label());
            TreeAssert.assertSameTree(FatImages.fatView(expected, false, false), FatImages.fatView(v.readTree(), false, false),
                    FatImages.FAT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // name, mkfs.fat options before the size, size in KiB, big file bytes
        "1.44 MB floppy (512-byte clusters), '', 1440, 700000",
        "512-byte clusters, '-F 12 -s 1 -S 512', 2000, 1500000",
        "2048-byte clusters, '-F 12 -s 4', 6144, 4000000",
        "4096-byte clusters, '-F 12 -s 8', 12288, 9000000",
    })
    void readsMkfsFat12Images(String name, String options, long kib, int bigBytes) throws Exception {
        Path host = hostTree(tmp.resolve("host"), bigBytes);
        Path img = tmp.resolve("small.img");
        List<String> args = new ArrayList<>(options.isBlank() ? List.of() : List.of(options.split(" ")));
        args.add(Long.toString(kib));
        mkfs(img, args.toArray(String[]::new));
        mcopyContents(img, host);
        FatImages.assertFsckClean(img);
        // The big file's chain crosses FAT sectors: with 12-bit entries, entry 341 (and every
        // 1024th after it) has one half in each sector.
        long[] run = mshowfat(img, "/big.bin").get(0);
        assertTrue(run[0] <= 341 && run[1] > 341 + 1024, name + ": chain " + run[0] + "-" + run[1]);
        assertReadsAs(img, FatImages.hostTree(host), "SMALL");
    }

    @Test
    void readsAFragmentedFile() throws Exception {
        Path img = tmp.resolve("frag.img");
        mkfs(img, "1440");
        Path small = Files.createDirectories(tmp.resolve("small"));
        Random rnd = new Random(3);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            byte[] b = new byte[7000 + i * 100];
            rnd.nextBytes(b);
            files.add(Files.write(small.resolve(String.format("f%02d.bin", i)), b));
        }
        mcopy(img, files.toArray(Path[]::new));
        for (int i = 0; i < 30; i += 2) {
            Tools.Result r = FatImages.run("mdel", "-i", img.toString(), String.format("::/f%02d.bin", i));
            assertEquals(0, r.exit(), r.all());
            Files.delete(files.get(i));
        }
        byte[] big = new byte[900_000];
        rnd.nextBytes(big);
        Path bigFile = Files.write(small.resolve("big.bin"), big);
        mcopy(img, bigFile);
        FatImages.assertFsckClean(img);
        assertTrue(mshowfat(img, "/big.bin").size() > 10, "mtools filled the holes: the file is fragmented");
        assertReadsAs(img, FatImages.hostTree(small), "SMALL");
    }

    // ---- editing

    private static void put(FatVolume v, FileTree expected, String path, Content c) throws Exception {
        v.writeFile(path, c, T);
        expected.put(path, new RegularFile(Metadata.of(0644, T), c), Metadata.of(0755, T));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"1.44 MB floppy, '', 1440", "4096-byte clusters, '-F 12 -s 8', 12288"})
    void editsMkfsFat12Images(String name, String options, long kib) throws Exception {
        Path host = hostTree(tmp.resolve("host"), 300_000);
        Path img = tmp.resolve("edit.img");
        List<String> args = new ArrayList<>(options.isBlank() ? List.of() : List.of(options.split(" ")));
        args.add(Long.toString(kib));
        mkfs(img, args.toArray(String[]::new));
        mcopyContents(img, host);
        FileTree expected = FatImages.hostTree(host);
        try (ImageFile f = ImageFile.openReadWrite(img); FatVolume v = FatVolume.open(f)) {
            // Shrink and grow files, free the big one and fill its clusters again with
            // something larger, so that changed entries straddle FAT sectors on both sides.
            put(v, expected, "/config.txt", GeneratedContent.dense(3, 70_000));
            put(v, expected, "/README.TXT", BytesContent.of("short now"));
            v.delete("/big.bin");
            ((Directory) expected.lookup("/")).remove("big.bin");
            put(v, expected, "/new dir/sub/site configuration.yaml", BytesContent.of("entrypoint: x\n"));
            put(v, expected, "/replacement.bin", GeneratedContent.dense(4, 500_000));
            for (int i = 0; i < 60; i++) {
                put(v, expected, "/new dir/a rather long file name number " + i + ".txt", BytesContent.of("n" + i));
            }
            v.delete("/overlays");
            ((Directory) expected.lookup("/")).remove("overlays");
        }
        FatImages.assertFsckClean(img);
        FileTree viaMtools = FatImages.hostTree(FatImages.mcopyOut(img, tmp.resolve("out")));
        TreeAssert.assertSameTree(FatImages.fatView(expected, false, false), FatImages.fatView(viaMtools, false, false),
                FatImages.FAT);
        assertReadsAs(img, expected, "SMALL");
    }

    // ---- damage

    /** Sets entry {@code n} of every FAT copy to {@code value}, packed as the specification says. */
    private static void setFat12Entry(Path img, long n, int value) throws IOException {
        try (ImageFile f = ImageFile.openReadWrite(img)) {
            ByteBuffer bpb = ByteBuffer.wrap(f.readBytes(0, 512)).order(ByteOrder.LITTLE_ENDIAN);
            int bps = bpb.getShort(BPB_BYTES_PER_SECTOR) & 0xFFFF;
            long fatStart = (long) (bpb.getShort(BPB_RESERVED_SECTORS) & 0xFFFF) * bps;
            long fatBytes = (long) (bpb.getShort(BPB_FAT_SECTORS_16) & 0xFFFF) * bps;
            for (int copy = 0; copy < bpb.get(BPB_FAT_COUNT); copy++) {
                long at = fatStart + copy * fatBytes + n * 3 / 2;
                byte[] two = f.readBytes(at, 2);
                if (n % 2 == 0) {
                    two[0] = (byte) value;
                    two[1] = (byte) ((two[1] & 0xF0) | ((value >> 8) & 0x0F));
                } else {
                    two[0] = (byte) ((two[0] & 0x0F) | ((value & 0x0F) << 4));
                    two[1] = (byte) (value >> 4);
                }
                f.write(at, ByteBuffer.wrap(two));
            }
        }
    }

    private Path damagedFloppy(String name) throws Exception {
        Path host = Files.createDirectories(tmp.resolve("h-" + name));
        byte[] big = new byte[600_000];
        new Random(9).nextBytes(big);
        Files.write(host.resolve("big.bin"), big);
        Path img = tmp.resolve(name);
        mkfs(img, "1440");
        mcopy(img, host.resolve("big.bin"));
        return img;
    }

    /** Opens, summarizes, reads the tree and every file, in a bounded time. */
    private static void readEverything(Path img) throws IOException {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
                v.summary();
                IOException[] failure = new IOException[1];
                v.readTree().walk((p, n) -> {
                    if (failure[0] == null && n instanceof RegularFile r) {
                        // Streamed, not readAll: a fuzzed size can claim gigabytes.
                        try (var ch = r.content().open()) {
                            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                            while (ch.read(buf.clear()) >= 0) {
                                // Only that every byte can be read matters here.
                            }
                        } catch (IOException e) {
                            failure[0] = e;
                        }
                    }
                });
                if (failure[0] != null) {
                    throw failure[0];
                }
            }
        });
    }

    private static String readFails(Path img) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> readEverything(img));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void chainWithACycleIsBadInput() throws Exception {
        Path img = damagedFloppy("cycle.img");
        long[] run = mshowfat(img, "/big.bin").get(0);
        // The last cluster links back into the middle of its own chain (entry 1000 is odd:
        // the high nibble of one byte and the next byte).
        setFat12Entry(img, run[1], 1000);
        String msg = readFails(img);
        assertTrue(msg.contains("loop"), msg);
    }

    @Test
    void clusterBeyondTheVolumeIsBadInput() throws Exception {
        Path img = damagedFloppy("beyond.img");
        long[] run = mshowfat(img, "/big.bin").get(0);
        // 0xF00 is a cluster number FAT12 can hold but a floppy (2847 clusters) does not have.
        setFat12Entry(img, run[0] + 341, 0xF00);
        String msg = readFails(img);
        assertTrue(msg.contains("outside"), msg);
    }

    @Test
    void fuzzedFat12MetadataIsReadOrBadInput() throws Exception {
        Path img = damagedFloppy("fuzz.img");
        byte[] sound = Files.readAllBytes(img);
        BootSector bs;
        try (ImageFile f = ImageFile.openReadOnly(img)) {
            bs = FatVolume.open(f).bootSector();
        }
        // The BPB, the FAT (where entries straddle bytes and sectors) and the fixed root.
        long[] areas = {0, bs.fatOffset(0), bs.fatOffset(0) + bs.bytesPerSector() - 2, bs.rootDirOffset()};
        Random rnd = new Random(4);
        for (int i = 0; i < 200; i++) {
            byte[] b = sound.clone();
            for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                b[(int) areas[rnd.nextInt(areas.length)] + rnd.nextInt(64)] = (byte) rnd.nextInt();
            }
            Files.write(img, b);
            // Some changes leave a readable volume; what matters is that nothing else escapes.
            try {
                readEverything(img);
            } catch (InvalidDataException e) {
                assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            }
        }
    }

    @Test
    void badClusterInAChainIsBadInput() throws Exception {
        Path img = damagedFloppy("bad.img");
        long[] run = mshowfat(img, "/big.bin").get(0);
        setFat12Entry(img, run[0] + 10, 0xFF7);
        String msg = readFails(img);
        assertTrue(msg.contains("bad cluster"), msg);
    }
}
