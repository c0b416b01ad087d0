package walt.vpn.fat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.testing.Tools;
import walt.vpn.testing.TreeAssert;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.FilesystemSummary;
import walt.vpn.tree.RegularFile;

/** FatVolume against images made by mkfs.vfat and filled by mcopy. */
class FatReaderTest {

    @TempDir
    Path tmp;

    /** A host tree with long, short, lower-case, non-ASCII names, subdirectories, many files, empty and large files. */
    static Path sampleHostTree(Path root) throws Exception {
        Files.createDirectories(root);
        Random rnd = new Random(5);
        Files.writeString(root.resolve("config.txt"), "lower case 8.3\n");
        Files.writeString(root.resolve("README.TXT"), "upper case 8.3\n");
        Files.writeString(root.resolve("Mixed Case Long Name.conf"), "long\n");
        Files.writeString(root.resolve("ünïcødé-日本語.txt"), "utf\n");
        Files.write(root.resolve("empty"), new byte[0]);
        byte[] big = new byte[3_000_003];
        rnd.nextBytes(big);
        Files.write(root.resolve("large.bin"), big);
        Path sub = Files.createDirectories(root.resolve("overlays/deeper/deepest dir"));
        Files.writeString(sub.resolve("leaf.dtbo"), "leaf");
        Path many = Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < 400; i++) {
            Files.writeString(many.resolve("file-with-a-long-name-" + i + ".data"), "content " + i);
        }
        long t = 1_500_000_000L;
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis((t += 7777) * 1000 + 123));
            }
        }
        return root;
    }

    static Path mkfsAndCopy(Path img, int fatBits, long bytes, Path hostDir) throws Exception {
        Tools.require("mkfs.vfat");
        Tools.require("mcopy");
        Tools.Result mk = FatImages.run("mkfs.vfat", "-C", "-F", Integer.toString(fatBits), "-n", "MKFSLBL", img.toString(),
                Long.toString(bytes / 1024));
        assertEquals(0, mk.exit(), mk.all());
        List<String> cmd = new ArrayList<>(List.of("mcopy", "-s", "-m", "-i", img.toString()));
        try (var s = Files.list(hostDir)) {
            s.sorted().forEach(p -> cmd.add(p.toString()));
        }
        cmd.add("::/");
        Tools.Result cp = Tools.run(cmd, null, 120, FatImages.ENV);
        assertEquals(0, cp.exit(), cp.all());
        return img;
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void readsMkfsVfatImages(int bits) throws Exception {
        Path host = sampleHostTree(tmp.resolve("host"));
        Path img = mkfsAndCopy(tmp.resolve("m.img"), bits, 64L << 20, host);
        FileTree expected = FatImages.hostTree(host);
        try (ImageFile f = ImageFile.openReadOnly(img); FatVolume v = FatVolume.open(f)) {
            FilesystemSummary s = v.summary();
            assertEquals("fat" + bits, s.type());
            assertEquals("MKFSLBL", s.label());
            FileTree actual = v.readTree();
            TreeAssert.assertSameTree(FatImages.fatView(expected, false, false), FatImages.fatView(actual, false, false), FatImages.FAT);
            // Same listing as mdir: every directory's names (long ones where present) and sizes.
            assertSameListingAsMdir(img, actual);
        }
    }

    private static void assertSameListingAsMdir(Path img, FileTree tree) throws Exception {
        Set<String> ours = new TreeSet<>();
        tree.walk((p, n) -> {
            if (!p.equals("/")) {
                ours.add(p + (n instanceof RegularFile r ? " " + r.content().size() : "/"));
            }
        });
        Set<String> theirs = new TreeSet<>();
        listMdir(img, "", theirs);
        assertEquals(theirs, ours);
    }

    /** Walks the image with `mdir -/ -a`-style per-directory listings (mdir -a -b for exact paths). */
    private static void listMdir(Path img, String dir, Set<String> out) throws Exception {
        Tools.Result r = FatImages.run("mdir", "-a", "-b", "-i", img.toString(), "::" + dir + "/");
        assertEquals(0, r.exit(), r.all());
        for (String line : r.stdout().lines().toList()) {
            String path = line.substring(2); // "::/x/y"
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.equals(".") || name.equals("..") || path.equals(dir + "/")) {
                continue;
            }
            if (line.endsWith("/")) {
                String d = path.substring(0, path.length() - 1);
                out.add(d + "/");
                listMdir(img, d, out);
            } else {
                Tools.Result info = FatImages.run("mdir", "-a", "-i", img.toString(), line);
                out.add(path + " " + sizeFromMdir(info.stdout()));
            }
        }
    }

    /** The size column of a one-file `mdir` listing: the token before the date. */
    private static long sizeFromMdir(String listing) {
        for (String l : listing.lines().toList()) {
            String[] f = l.trim().split("\\s+");
            for (int i = 1; i < f.length; i++) {
                if (f[i].matches("\\d{4}-\\d\\d-\\d\\d") && f[i - 1].matches("\\d+")) {
                    return Long.parseLong(f[i - 1]);
                }
            }
        }
        throw new AssertionError("no size in mdir output: " + listing);
    }
}
