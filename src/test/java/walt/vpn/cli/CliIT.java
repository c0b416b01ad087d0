package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;

/** The vpn-image commands as a user runs them: the packaged jar in a separate process. */
class CliIT {

    static final Map<String, String> EPOCH = Map.of("SOURCE_DATE_EPOCH", "1700000000");

    @TempDir
    static Path work;

    static Path src;
    static byte[] big;

    @BeforeAll
    static void sourceTree() throws IOException {
        src = work.resolve("src");
        Files.createDirectories(src.resolve("etc/ssh"));
        Files.createDirectories(src.resolve("usr/bin"));
        Files.writeString(src.resolve("etc/hostname"), "rpi3bp\n");
        Files.writeString(src.resolve("etc/ssh/ssh_config"), "Host *\n  ServerAliveInterval 15\n");
        Files.writeString(src.resolve("grüße.txt"), "non-ASCII name\n");
        Files.createFile(src.resolve("empty"));
        big = new byte[3_000_000];
        new Random(42).nextBytes(big);
        Files.write(src.resolve("usr/bin/tool"), big);
        Files.setPosixFilePermissions(src.resolve("usr/bin/tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path posixSource() throws IOException {
        Path p = work.resolve("posix");
        if (!Files.exists(p)) {
            copy(src, p);
            Files.createSymbolicLink(p.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/UTC"));
            Files.createLink(p.resolve("usr/bin/tool-link"), p.resolve("usr/bin/tool"));
        }
        return p;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path x : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(x).toString());
                if (Files.isDirectory(x)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(x, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    @Test
    void ext4FromDirectoryIsCleanAndReadsBack() throws Exception {
        Tools.require("e2fsck");
        Path tree = posixSource();
        WaltJar.Run mk = WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", tree.toString(), "--owners", "root", "--label", "rootfs", "-o", "root.img");
        assertEquals(0, mk.exit(), mk.stderr());
        Tools.Result fsck = Tools.run("e2fsck", "-fn", work.resolve("root.img").toString());
        assertEquals(0, fsck.exit(), fsck.all());

        WaltJar.Run ls = WaltJar.run(work, "vpn-image", "ls", "root.img:/usr/bin");
        assertEquals(0, ls.exit(), ls.stderr());
        assertTrue(ls.out().matches("(?s)-rwxr-xr-x\\s+2\\s+0\\s+0\\s+3000000 .* tool\n.*tool-link\n"), ls.out());
        WaltJar.Run lsLink = WaltJar.run(work, "vpn-image", "ls", "root.img:/etc/localtime");
        assertTrue(lsLink.out().startsWith("lrwxrwxrwx") && lsLink.out().contains("-> /usr/share/zoneinfo/UTC"), lsLink.out());

        WaltJar.Run cat = WaltJar.run(work, "vpn-image", "cat", "root.img:/usr/bin/tool");
        assertEquals(0, cat.exit(), cat.stderr());
        assertArrayEquals(big, cat.stdout());
        assertEquals("non-ASCII name\n", WaltJar.run(work, "vpn-image", "cat", "root.img:/grüße.txt").out());

        WaltJar.Run inspect = WaltJar.run(work, "vpn-image", "inspect", "root.img", "--json");
        assertEquals(0, inspect.exit(), inspect.stderr());
        JsonNode fs = new ObjectMapper().readTree(inspect.stdout()).get("filesystem");
        assertEquals("ext4", fs.get("type").asText());
        assertEquals("rootfs", fs.get("label").asText());
        assertTrue(fs.get("features").toString().contains("metadata_csum"), fs.toString());

        WaltJar.Run extract = WaltJar.run(work, "vpn-image", "extract", "root.img", "-o", "root.tar");
        assertEquals(0, extract.exit(), extract.stderr());
        Tools.Result list = Tools.run("tar", "-tvf", work.resolve("root.tar").toString());
        assertEquals(0, list.exit(), list.all());
        assertTrue(list.stdout().contains("usr/bin/tool-link link to usr/bin/tool"), list.stdout());
        assertTrue(list.stdout().contains("etc/localtime -> /usr/share/zoneinfo/UTC"), list.stdout());
    }

    @Test
    void ext4FromTarMatchesExtractedTar() throws Exception {
        Tools.require("tar");
        Path tar = work.resolve("in.tar");
        Tools.Result t = Tools.run(java.util.List.of("tar", "--format=pax", "--owner=0", "--group=0", "-cf", tar.toString(), "-C", src.toString(), "."), work, 60);
        assertEquals(0, t.exit(), t.all());
        WaltJar.Run mk = WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", tar.toString(), "-o", "fromtar.img");
        assertEquals(0, mk.exit(), mk.stderr());
        assertArrayEquals(Files.readAllBytes(src.resolve("etc/ssh/ssh_config")),
                WaltJar.run(work, "vpn-image", "cat", "fromtar.img:/etc/ssh/ssh_config").stdout());
    }

    /** As mke2fs -d and tar keep them: a tree extracted by root with tar -xp keeps its owners. */
    @Test
    void ownersAreKeptUnlessTheyAreSquashed() throws Exception {
        Tools.requireRoot();
        Path tree = work.resolve("owned");
        Files.createDirectories(tree.resolve("home/pi"));
        Files.writeString(tree.resolve("home/pi/notes"), "pi's\n");
        Files.writeString(tree.resolve("nobody-file"), "nobody's\n");
        Files.createSymbolicLink(tree.resolve("users-link"), Path.of("home"));
        chown(tree.resolve("home/pi"), 1000, 1000);
        chown(tree.resolve("home/pi/notes"), 1000, 100);
        chown(tree.resolve("nobody-file"), 65534, 65534);
        chown(tree.resolve("users-link"), 100, 100);

        assertEquals(0, WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", tree.toString(), "-o", "owned.img").exit());
        assertEquals(java.util.List.of("1000 1000 pi", "1000 100 notes", "65534 65534 nobody-file", "100 100 users-link"),
                java.util.List.of(owners("owned.img:/home"), owners("owned.img:/home/pi"), owners("owned.img:/nobody-file"), owners("owned.img:/users-link")));

        assertEquals(0, WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", tree.toString(), "--owners", "root", "-o", "squashed.img").exit());
        assertEquals(java.util.List.of("0 0 pi", "0 0 notes", "0 0 nobody-file", "0 0 users-link"),
                java.util.List.of(owners("squashed.img:/home"), owners("squashed.img:/home/pi"), owners("squashed.img:/nobody-file"), owners("squashed.img:/users-link")));

        Path tar = work.resolve("owned.tar");
        assertEquals(0, Tools.run(java.util.List.of("tar", "--format=pax", "-cf", tar.toString(), "-C", tree.toString(), "."), work, 60).exit());
        assertEquals(0, WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", tar.toString(), "-o", "owned-tar.img").exit());
        assertEquals("1000 100 notes", owners("owned-tar.img:/home/pi"));
        assertEquals(0, WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", tar.toString(), "--owners", "root", "-o", "squashed-tar.img").exit());
        assertEquals("0 0 notes", owners("squashed-tar.img:/home/pi"));
    }

    private static void chown(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** "UID GID NAME" of the one entry {@code ls} lists at {@code where}. */
    private static String owners(String where) throws Exception {
        WaltJar.Run ls = WaltJar.run(work, "vpn-image", "ls", where);
        assertEquals(0, ls.exit(), ls.stderr());
        String[] f = ls.out().strip().split("\\s+");
        assertEquals(1, ls.out().strip().lines().count(), ls.out());
        String name = f[f.length - 2].equals("->") ? f[f.length - 3] : f[f.length - 1];
        return f[2] + " " + f[3] + " " + name.substring(name.lastIndexOf('/') + 1);
    }

    /**
     * Between the two runs every file is read, as any build step would, and its access time
     * moved (a read moves it under relatime only once a day): the bytes stay the same.
     */
    @Test
    void sameInputSameBytesOtherSeedOtherBytes() throws Exception {
        // Later than every time in the tree, so nothing is clamped away: the case of a
        // release date or a newest-commit time.
        Map<String, String> epoch = Map.of("SOURCE_DATE_EPOCH", String.valueOf(System.currentTimeMillis() / 1000 + 86_400));
        for (String kind : new String[] {"ext4", "fat"}) {
            assertEquals(0, WaltJar.run(work, epoch, "vpn-image", "mkfs", kind, "--from", src.toString(), "-o", kind + "-a.img").exit());
            readEveryFileAndMoveItsAccessTime(src);
            assertEquals(0, WaltJar.run(work, epoch, "vpn-image", "mkfs", kind, "--from", src.toString(), "-o", kind + "-b.img").exit());
            assertEquals(0, WaltJar.run(work, epoch, "vpn-image", "mkfs", kind, "--from", src.toString(), "--seed", "other", "-o", kind + "-c.img").exit());
            byte[] a = Files.readAllBytes(work.resolve(kind + "-a.img"));
            assertArrayEquals(a, Files.readAllBytes(work.resolve(kind + "-b.img")), kind + " not reproducible");
            assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(work.resolve(kind + "-c.img"))), kind + ": the seed changed nothing");
        }
    }

    private static void readEveryFileAndMoveItsAccessTime(Path dir) throws IOException {
        java.nio.file.attribute.FileTime later = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 3_600_000L);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    Files.readAllBytes(p);
                }
                Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class).setTimes(null, later, null);
            }
        }
    }

    @Test
    void fatFromDirectoryIsCleanAndReadsBack() throws Exception {
        Tools.require("fsck.fat");
        Tools.require("mtype");
        WaltJar.Run mk = WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "fat", "--from", src.toString(), "--label", "BOOT", "-o", "boot.img");
        assertEquals(0, mk.exit(), mk.stderr());
        Tools.Result fsck = Tools.run("fsck.fat", "-n", work.resolve("boot.img").toString());
        assertEquals(0, fsck.exit(), fsck.all());
        Tools.Result mtype = Tools.run("mtype", "-i", work.resolve("boot.img").toString(), "::/etc/hostname");
        assertEquals("rpi3bp\n", mtype.stdout());
        assertArrayEquals(big, WaltJar.run(work, "vpn-image", "cat", "boot.img:/usr/bin/tool").stdout());
        WaltJar.Run ls = WaltJar.run(work, "vpn-image", "ls", "boot.img:/");
        assertTrue(ls.out().contains(" grüße.txt\n") && ls.out().contains(" etc\n"), ls.out());
    }

    @Test
    void partitionedImageByPartitionNumber() throws Exception {
        Path img = work.resolve("sd.img");
        walt.vpn.tree.FileTree boot = walt.vpn.tree.FileTree.empty(walt.vpn.tree.Timestamp.ofSeconds(1_700_000_000));
        boot.put("/config.txt", new walt.vpn.tree.RegularFile(walt.vpn.tree.Metadata.of(0644, walt.vpn.tree.Timestamp.ofSeconds(1_700_000_000)),
                walt.vpn.tree.BytesContent.of("arm_64bit=1\n")), boot.root().metadata());
        walt.vpn.tree.FileTree root = walt.vpn.tree.HostDirectoryReader.read(src, null, false);
        walt.vpn.fat.FatWriter fat = new walt.vpn.fat.FatWriter(walt.vpn.fat.FatOptions.defaults().withLabel("BOOT"));
        walt.vpn.ext4.Ext4Writer ext4 = new walt.vpn.ext4.Ext4Writer(walt.vpn.ext4.Ext4Options.defaults().withLabel("rootfs"));
        walt.vpn.disk.DiskLayout layout = walt.vpn.disk.DiskLayout.seeded(9)
                .add(0x0C, fat.sizeFor(boot), true).add(0x83, ext4.sizeFor(root), false);
        try (walt.vpn.disk.ImageFile disk = walt.vpn.disk.ImageFile.createSparse(img, layout.imageSize())) {
            var parts = layout.writeTo(disk);
            fat.write(boot, parts.get(0));
            ext4.write(root, parts.get(1));
        }
        WaltJar.Run inspect = WaltJar.run(work, "vpn-image", "inspect", "sd.img", "--json");
        assertEquals(0, inspect.exit(), inspect.stderr());
        JsonNode parts = new ObjectMapper().readTree(inspect.stdout()).get("partitions");
        assertEquals(2, parts.size(), inspect.out());
        assertEquals("0x0c", parts.get(0).get("type").asText());
        assertEquals("fat32", parts.get(0).get("filesystem").get("type").asText());
        assertEquals("ext4", parts.get(1).get("filesystem").get("type").asText());
        assertTrue(parts.get(1).get("partuuid").asText().matches("[0-9a-f]{8}-02"), parts.toString());
        assertEquals("arm_64bit=1\n", WaltJar.run(work, "vpn-image", "cat", "sd.img@1:/config.txt").out());
        assertEquals("rpi3bp\n", WaltJar.run(work, "vpn-image", "cat", "sd.img@2:/etc/hostname").out());
        WaltJar.Run text = WaltJar.run(work, "vpn-image", "inspect", "sd.img");
        assertTrue(text.out().contains("partition 2: type 0x83") && text.out().contains("filesystem: ext4, label 'rootfs'"), text.out());
        assertOneLineError(WaltJar.run(work, "vpn-image", "ls", "sd.img:/"));
        assertOneLineError(WaltJar.run(work, "vpn-image", "ls", "sd.img@3:/"));
    }

    @Test
    void badImagesGiveOneLineAndStatusTwo() throws Exception {
        byte[] junk = new byte[1 << 20];
        new Random(7).nextBytes(junk);
        Files.write(work.resolve("junk.img"), junk);
        assertOneLineError(WaltJar.run(work, "vpn-image", "ls", "junk.img:/"));
        assertOneLineError(WaltJar.run(work, "vpn-image", "inspect", "junk.img"));
        assertOneLineError(WaltJar.run(work, "vpn-image", "cat", "missing.img:/x"));
        assertOneLineError(WaltJar.run(work, "vpn-image", "ls", "junk.img@9:/"));

        assertEquals(0, WaltJar.run(work, EPOCH, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "-o", "whole.img").exit());
        byte[] whole = Files.readAllBytes(work.resolve("whole.img"));
        Files.write(work.resolve("truncated.img"), java.util.Arrays.copyOf(whole, 64 * 1024));
        assertOneLineError(WaltJar.run(work, "vpn-image", "ls", "truncated.img:/usr/bin"));
        assertOneLineError(WaltJar.run(work, "vpn-image", "extract", "truncated.img", "-o", "t.tar"));
        assertFalse(Files.exists(work.resolve("t.tar")), "a failed extract left its output");
    }

    @Test
    void failedMkfsLeavesNoFile() throws Exception {
        Path out = work.resolve("small");
        Files.createDirectories(out);
        WaltJar.Run run = WaltJar.run(out, EPOCH, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "--size", "1M", "-o", "tiny.img");
        assertOneLineError(run);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(0, s.count(), "output or temporary file left behind");
        }
        assertOneLineError(WaltJar.run(out, "vpn-image", "mkfs", "ext4", "--from", "no-such-dir", "-o", "x.img"));
        assertOneLineError(WaltJar.run(out, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "--size", "lots", "-o", "x.img"));
        assertOneLineError(WaltJar.run(out, "vpn-image", "mkfs", "xfs", "--from", src.toString(), "-o", "x.img"));
    }

    /** Not the user's fault: status 1, and the message says it was the storage. */
    @Test
    void aFullDiskIsStatusOneAndSaidSo() throws Exception {
        Tools.requireRoot();
        Tools.require("unshare");
        Path full = Files.createDirectories(work.resolve("full"));
        // A 1 MiB tmpfs in a mount namespace of its own: gone with the process.
        List<String> smallDisk = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=1m walt-full \"$0\" && cd \"$0\" && exec \"$@\"", full.toString());
        WaltJar.Run run = WaltJar.runUnder(smallDisk, full, EPOCH, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "-o", "x.img");
        assertEquals(1, run.exit(), run.stderr());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
        assertTrue(run.stderr().startsWith("walt: I/O error: ") && run.stderr().contains("No space left on device"), run.stderr());
    }

    @Test
    void missingAndMisplacedFilesAreStatusTwo() throws Exception {
        assertOneLineError(WaltJar.run(work, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "-o", "no-such-dir/x.img"));
        assertEquals("walt: " + work.resolve("no-such-dir") + ": output directory does not exist",
                WaltJar.run(work, "vpn-image", "mkfs", "ext4", "--from", src.toString(), "-o", "no-such-dir/x.img").stderr().strip());
        assertOneLineError(WaltJar.run(work, "vpn-image", "mkfs", "ext4", "--from", src.resolve("etc/hostname") + "/x", "-o", "x.img"));
    }

    @Test
    void fat12FloppyThroughLsCatExtractInspect() throws Exception {
        Tools.require("mkfs.fat");
        Tools.require("mcopy");
        Tools.require("tar");
        Path img = work.resolve("floppy.img");
        Tools.Result mk = Tools.run(java.util.List.of("mkfs.fat", "-C", "-n", "FLOPPY", img.toString(), "1440"), work, 60);
        assertEquals(0, mk.exit(), mk.all());
        // About 700 clusters of 512 bytes: the chain crosses the FAT's first sector boundary.
        byte[] data = java.util.Arrays.copyOf(big, 1_000_000);
        Path dataFile = Files.write(work.resolve("floppy-data.bin"), data);
        Tools.Result cp = Tools.run(java.util.List.of("mcopy", "-s", "-m", "-i", img.toString(), src.resolve("etc").toString(),
                src.resolve("grüße.txt").toString(), src.resolve("empty").toString(), dataFile.toString(), "::/"), work, 60,
                Map.of("LC_ALL", "C.UTF-8"));
        assertEquals(0, cp.exit(), cp.all());

        WaltJar.Run ls = WaltJar.run(work, "vpn-image", "ls", "floppy.img:/");
        assertEquals(0, ls.exit(), ls.stderr());
        assertTrue(ls.out().contains(" grüße.txt\n") && ls.out().contains(" etc\n") && ls.out().contains(" 1000000 "), ls.out());
        assertEquals("rpi3bp\n", WaltJar.run(work, "vpn-image", "cat", "floppy.img:/etc/hostname").out());
        WaltJar.Run cat = WaltJar.run(work, "vpn-image", "cat", "floppy.img:/floppy-data.bin");
        assertEquals(0, cat.exit(), cat.stderr());
        assertArrayEquals(data, cat.stdout());

        WaltJar.Run inspect = WaltJar.run(work, "vpn-image", "inspect", "floppy.img", "--json");
        assertEquals(0, inspect.exit(), inspect.stderr());
        JsonNode fs = new ObjectMapper().readTree(inspect.stdout()).get("filesystem");
        assertEquals("fat12", fs.get("type").asText(), fs.toString());
        assertEquals("FLOPPY", fs.get("label").asText(), fs.toString());
        assertEquals(512, fs.get("blockSize").asInt(), fs.toString());

        WaltJar.Run extract = WaltJar.run(work, "vpn-image", "extract", "floppy.img", "-o", "floppy.tar");
        assertEquals(0, extract.exit(), extract.stderr());
        Path out = Files.createDirectories(work.resolve("floppy-out"));
        Tools.Result untar = Tools.run(java.util.List.of("tar", "-xf", work.resolve("floppy.tar").toString(), "-C", out.toString()),
                work, 60, Map.of("LC_ALL", "C.UTF-8"));
        assertEquals(0, untar.exit(), untar.all());
        assertArrayEquals(data, Files.readAllBytes(out.resolve("floppy-data.bin")));
        assertEquals("rpi3bp\n", Files.readString(out.resolve("etc/hostname")));
        assertEquals("non-ASCII name\n", Files.readString(out.resolve("grüße.txt")));
    }

    @Test
    void extractWarnsOnceAboutASocket() throws Exception {
        Tools.require("mke2fs");
        Path dir = Files.createDirectories(work.resolve("with-socket"));
        Files.writeString(dir.resolve("file"), "kept\n");
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            // Closing the listener leaves its socket file behind, which is what mke2fs -d copies.
            s.bind(java.net.UnixDomainSocketAddress.of(dir.resolve("control.sock")));
        }
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-d", dir.toString(), work.resolve("socket.img").toString(), "4M");
        assertEquals(0, mk.exit(), mk.all());
        WaltJar.Run x = WaltJar.run(work, "vpn-image", "extract", "socket.img", "-o", "socket.tar");
        assertEquals(0, x.exit(), x.stderr());
        java.util.List<String> lines = x.stderr().lines().toList();
        assertEquals(1, lines.size(), "one warning, once: " + x.stderr());
        assertTrue(lines.get(0).startsWith("walt: warning: ") && lines.get(0).contains("control.sock"), x.stderr());
    }

    @Test
    void inspectSaysAnImpossibleFreeCountIsUnknown() throws Exception {
        Tools.require("mke2fs");
        Tools.require("debugfs");
        Path img = work.resolve("free.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-O", "metadata_csum", img.toString(), "8M");
        assertEquals(0, mk.exit(), mk.all());
        // debugfs recomputes the superblock checksum, so only the count is wrong.
        Tools.Result ssv = Tools.run("debugfs", "-w", "-R", "ssv free_blocks_count 99999", img.toString());
        assertEquals(0, ssv.exit(), ssv.all());

        WaltJar.Run text = WaltJar.run(work, "vpn-image", "inspect", "free.img");
        assertEquals(0, text.exit(), text.stderr());
        assertFalse(text.out().matches("(?s).*used -\\d.*"), text.out());
        assertTrue(text.out().contains("used unknown, free unknown"), text.out());
        assertTrue(text.out().matches("(?s).*\\n  warning: [^\\n]*99999[^\\n]*8192[^\\n]*\\n.*"), text.out());

        WaltJar.Run json = WaltJar.run(work, "vpn-image", "inspect", "free.img", "--json");
        assertEquals(0, json.exit(), json.stderr());
        JsonNode fs = new ObjectMapper().readTree(json.stdout()).get("filesystem");
        assertTrue(fs.get("used").isNull() && fs.get("free").isNull(), fs.toString());
        assertTrue(fs.get("warnings").get(0).asText().contains("99999"), fs.toString());
        assertTrue(fs.get("inodes").asLong() > 0 && fs.get("freeInodes").asLong() > 0, "inode counts are sound: " + fs);
    }

    private static void assertOneLineError(WaltJar.Run run) {
        assertEquals(2, run.exit(), "exit status; stderr: " + run.stderr());
        String err = run.stderr();
        assertTrue(err.startsWith("walt: "), err);
        String firstLine = err.lines().findFirst().orElse("");
        assertFalse(firstLine.contains("Exception") || err.contains("\tat "), "stack trace or exception name: " + err);
        // Usage errors add a "Try --help" hint; everything else is one line.
        assertTrue(err.lines().count() == 1 || err.lines().skip(1).allMatch(l -> l.startsWith("Try ")), err);
        assertEquals("", new String(run.stdout(), StandardCharsets.UTF_8), "no output on error");
    }
}
