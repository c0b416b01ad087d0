package walt.vpn.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import walt.vpn.disk.MappedRange;
import walt.vpn.image.output.BlockMapFile;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.testing.Tools;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Timestamp;

/** The site image: a copy of a card image whose boot partition gains a folder, checked by mtools and fsck.fat. */
class SiteImageTest {

    private static final Timestamp T = Timestamp.ofSeconds(1_700_000_000L);

    @TempDir
    Path dir;

    private Path base;
    private String baseHash;

    @BeforeEach
    void card() throws Exception {
        FileTree boot = FileTree.empty(T);
        boot.put("/config.txt", new RegularFile(Metadata.of(0644, T), BytesContent.of("arm_64bit=1\n")), Metadata.of(0755, T));
        FileTree root = FileTree.empty(T);
        root.put("/etc/hostname", new RegularFile(Metadata.of(0644, T), BytesContent.of("node\n")), Metadata.of(0755, T));
        base = dir.resolve("base.img");
        new SdCardImage(3, T, 0, 64L << 20).write(boot, root, base);
        baseHash = sha256(base);
    }

    private static Map<String, byte[]> site(String entry) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("vpn.conf", ("entrypoint=" + entry + "\n").getBytes());
        files.put("ca.pub", "ssh-ed25519 AAAA ca\n".getBytes());
        return files;
    }

    @Test
    void theCopyGainsTheSiteFolderAndNothingElseChanges() throws Exception {
        Tools.require("mtype");
        Tools.require("fsck.fat");
        Path out = dir.resolve("out/site.img");
        Files.createDirectories(out.getParent());
        try (SiteImage img = SiteImage.copyOf(base, out)) {
            img.complete("walt-vpn", site("a.example.org"));
        }
        assertEquals(baseHash, sha256(base), "the base was modified");
        assertEquals(List.of(out), list(out.getParent()));
        assertEquals(Files.size(base), Files.size(out));

        PartitionedImage.Partition boot;
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(out))) {
            boot = p.partitions().get(0);
        }
        Tools.Result conf = Tools.run(List.of("mtype", "-i", out + "@@" + boot.start(), "::walt-vpn/vpn.conf"), dir, 60, Map.of());
        assertEquals("entrypoint=a.example.org\n", conf.stdout(), conf.all());
        Tools.Result config = Tools.run(List.of("mtype", "-i", out + "@@" + boot.start(), "::config.txt"), dir, 60, Map.of());
        assertEquals("arm_64bit=1\n", config.stdout(), config.all());
        Path fat = dir.resolve("boot.fat");
        try (FileChannel in = FileChannel.open(out); FileChannel f = FileChannel.open(fat, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < boot.size(); ) {
                done += in.transferTo(boot.start() + done, boot.size() - done, f);
            }
        }
        Tools.Result fsck = Tools.run(List.of("fsck.fat", "-n", fat.toString()), dir, 60);
        assertEquals(0, fsck.exit(), fsck.all());

        assertEquals(-1, firstDifference(base, out, 0, boot.start()));
        assertEquals(-1, firstDifference(base, out, boot.start() + boot.size(), Files.size(base)));
    }

    @Test
    void theCopyAlongTheCachedBlockRunsGivesTheSameImageAsTheScan() throws Exception {
        Path scanned = dir.resolve("scanned.img");
        try (SiteImage img = SiteImage.copyOf(base, scanned)) {
            img.complete("walt-vpn", site("a.example.org"));
        }
        NodeBaseCache.writeBlockRuns(base);
        assertTrue(NodeBaseCache.dataRanges(base).size() > 1, "the card should have several runs of data");
        Path mapped = dir.resolve("mapped.img");
        try (SiteImage img = SiteImage.copyOf(base, mapped)) {
            img.complete("walt-vpn", site("a.example.org"));
        }
        assertEquals(-1L, Files.mismatch(scanned, mapped));
        Tools.Result du = Tools.run(List.of("du", "-k", "--apparent-size", mapped.toString()), dir, 30);
        Tools.Result used = Tools.run(List.of("du", "-k", mapped.toString()), dir, 30);
        long apparent = Long.parseLong(du.stdout().split("\\s+")[0]);
        long allocated = Long.parseLong(used.stdout().split("\\s+")[0]);
        assertTrue(allocated < apparent / 4, "the copy is not sparse: " + allocated + " KiB of " + apparent);
    }

    /** What a card writer reads instead of the whole image: it must hold every block of data. */
    @Test
    void theDataRangesHoldEveryBlockOfTheBlockMapAndSkipTheHoles() throws Exception {
        NodeBaseCache.writeBlockRuns(base);
        Path out = dir.resolve("ranges.img");
        List<MappedRange> candidates;
        try (SiteImage img = SiteImage.copyOf(base, out)) {
            assertThrows(IllegalStateException.class, img::dataRanges);
            img.complete("walt-vpn", site("a.example.org"));
            candidates = img.dataRanges();
        }
        List<MappedRange> map = BlockMapFile.byteRanges(out);
        for (MappedRange r : map) {
            assertTrue(candidates.stream().anyMatch(c -> c.offset() <= r.offset() && r.end() <= c.end()),
                    "data outside the ranges a card writer reads: " + r + " not in " + candidates);
        }
        PartitionedImage.Partition boot;
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(out))) {
            boot = p.partitions().get(0);
        }
        long rest = Files.size(out) - boot.size();
        long read = candidates.stream().mapToLong(MappedRange::length).sum() - boot.size();
        assertTrue(read < rest / 4, "the holes outside the boot partition are read: " + read + " of " + rest);
        assertEquals(MappedRange.union(candidates), candidates, "in order, merged");

        // Without the base's runs, the whole image.
        Files.delete(base.resolveSibling("blocks"));
        Path whole = dir.resolve("whole.img");
        try (SiteImage img = SiteImage.copyOf(base, whole)) {
            img.complete("walt-vpn", site("a.example.org"));
            assertEquals(List.of(new MappedRange(0, Files.size(whole))), img.dataRanges());
        }
    }

    @Test
    void aSiteImageAsBaseHasItsFolderReplaced() throws Exception {
        Tools.require("mtype");
        Path first = dir.resolve("first.img");
        try (SiteImage img = SiteImage.copyOf(base, first)) {
            img.complete("walt-vpn", site("a.example.org"));
        }
        Path second = dir.resolve("second.img");
        Map<String, byte[]> other = new LinkedHashMap<>();
        other.put("vpn.conf", "entrypoint=b.example.org\n".getBytes());
        try (SiteImage img = SiteImage.copyOf(first, second)) {
            img.complete("walt-vpn", other);
        }
        long start;
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(second))) {
            start = p.partitions().get(0).start();
        }
        Tools.Result dirList = Tools.run(List.of("mdir", "-b", "-i", second + "@@" + start, "::walt-vpn"), dir, 60, Map.of());
        assertEquals("::/walt-vpn/vpn.conf\n", dirList.stdout(), dirList.all());
        Tools.Result conf = Tools.run(List.of("mtype", "-i", second + "@@" + start, "::walt-vpn/vpn.conf"), dir, 60, Map.of());
        assertEquals("entrypoint=b.example.org\n", conf.stdout(), conf.all());
    }

    @Test
    void closedBeforeCompletionItLeavesNothing() throws Exception {
        Path out = dir.resolve("out/site.img");
        Files.createDirectories(out.getParent());
        try (SiteImage img = SiteImage.copyOf(base, out)) {
            assertFalse(Files.exists(out));
        }
        assertEquals(List.of(), list(out.getParent()));
    }

    @Test
    void itNeverReplacesItsBase() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SiteImage.copyOf(base, base));
        assertTrue(e.getMessage().contains("would replace the base image"), e.getMessage());
        assertEquals(baseHash, sha256(base));
    }

    @Test
    void aBaseWithoutConfigTxtIsRefusedAndLeavesNothing() throws Exception {
        FileTree boot = FileTree.empty(T);
        boot.put("/cmdline.txt", new RegularFile(Metadata.of(0644, T), BytesContent.of("quiet\n")), Metadata.of(0755, T));
        Path other = dir.resolve("other.img");
        new SdCardImage(4, T, 0, 64L << 20).write(boot, FileTree.empty(T), other);
        Path out = dir.resolve("out/site.img");
        Files.createDirectories(out.getParent());
        try (SiteImage img = SiteImage.copyOf(other, out)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> img.complete("walt-vpn", site("a")));
            assertTrue(e.getMessage().contains("no config.txt"), e.getMessage());
        }
        assertEquals(List.of(), list(out.getParent()));
    }

    /** The first offset in [from, to) where the two files differ, or -1; read in chunks (the images are hundreds of MiB). */
    private static long firstDifference(Path a, Path b, long from, long to) throws Exception {
        try (FileChannel ca = FileChannel.open(a); FileChannel cb = FileChannel.open(b)) {
            java.nio.ByteBuffer ba = java.nio.ByteBuffer.allocate(1 << 20);
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(1 << 20);
            for (long pos = from; pos < to; pos += ba.capacity()) {
                int n = (int) Math.min(ba.capacity(), to - pos);
                ba.clear().limit(n);
                bb.clear().limit(n);
                while (ba.hasRemaining() && ca.read(ba, pos + ba.position()) > 0) {
                }
                while (bb.hasRemaining() && cb.read(bb, pos + bb.position()) > 0) {
                }
                int m = ba.flip().mismatch(bb.flip());
                if (m >= 0) {
                    return pos + m;
                }
            }
            return -1;
        }
    }

    private static String sha256(Path f) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    private static List<Path> list(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }
}
