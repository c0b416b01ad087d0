package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.testing.QemuBoot;
import walt.vpn.testing.TestCache;
import walt.vpn.testing.Tools;

/**
 * A recipe whose base is an image file, as a release engineer starts from Raspberry Pi OS: the
 * base here is the boot-check test image built by the pipeline itself, compressed by the real
 * zstd and xz tools; the recipe adds Debian's hello, an overlay and a file. The result is
 * checked with e2fsck, debugfs, fsck.fat and mtools, and booted under QEMU (virt) through the
 * base's own kernel and initramfs, which must find the root by the new PARTUUID.
 */
class ImageBaseBuildIT {

    private static final Map<String, String> ENV = Map.of("SOURCE_DATE_EPOCH", "1750000000");

    private static Path work;
    private static Path cache;
    private static Path baseDir;
    private static Map<Path, String> inputHashes;
    private static List<Path> baseDirBefore;
    private static WaltJar.Run zstBuild;
    private static Path image;
    private static Path root;
    private static Path boot;

    @BeforeAll
    static void build() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg")), "debian-archive-keyring is not installed");
        Tools.require("zstd");
        Tools.require("xz");
        cache = TestCache.buildCache();
        work = Files.createTempDirectory("walt-image-base-it");
        baseDir = Files.createDirectories(work.resolve("bases"));
        WaltJar.Run base = WaltJar.run(baseDir, ENV, "vpn-image", "build", Path.of("test-images/boot-check/boot-check.yaml").toAbsolutePath().toString(),
                "--cache", cache.toString(), "--format", "raw");
        Assumptions.assumeFalse(base.stderr().contains("cannot fetch"), "Debian mirror unreachable and no warm cache: " + base.stderr());
        assertEquals(0, base.exit(), base.stderr());
        for (String f : List.of("boot-check.json", "boot-check.sha256")) {
            Files.delete(baseDir.resolve(f));
        }
        Tools.Result zst = Tools.run(List.of("zstd", "-q", "-T0", "boot-check.img", "-o", "boot-check.img.zst"), baseDir, 300);
        assertEquals(0, zst.exit(), zst.all());
        Tools.Result xz = Tools.run(List.of("xz", "-T0", "-1", "-k", "boot-check.img"), baseDir, 600);
        assertEquals(0, xz.exit(), xz.all());
        inputHashes = new java.util.HashMap<>();
        for (String f : List.of("boot-check.img", "boot-check.img.zst", "boot-check.img.xz")) {
            inputHashes.put(baseDir.resolve(f), sha256(baseDir.resolve(f)));
        }
        baseDirBefore = list(baseDir);

        Path recipes = Files.createDirectories(work.resolve("recipes"));
        Files.createDirectories(recipes.resolve("overlay/etc"));
        Files.writeString(recipes.resolve("overlay/etc/walt-overlay"), "from the derived overlay\n");
        writeRecipe("derived-zst", "boot-check.img.zst");
        writeRecipe("derived-xz", "boot-check.img.xz");
        Files.createDirectories(work.resolve("out"));
        zstBuild = WaltJar.run(work, ENV, "vpn-image", "build", recipes.resolve("derived-zst.yaml").toString(), "-o", "out", "--cache", cache.toString());
        assertEquals(0, zstBuild.exit(), zstBuild.stderr());
        image = work.resolve("out/derived-zst.img");
        root = partition(image, 2, work.resolve("root.ext4"));
        boot = partition(image, 1, work.resolve("boot.fat"));
    }

    /** The images are gigabytes: a run must not leave them behind. */
    @AfterAll
    static void removeWork() throws Exception {
        if (work != null) {
            Tools.Result rm = Tools.run(List.of("rm", "-rf", work.toString()), Path.of("/"), 120);
            assertEquals(0, rm.exit(), "the work directory stays behind: " + rm.all());
        }
    }

    private static void writeRecipe(String name, String base) throws IOException {
        Files.writeString(work.resolve("recipes/" + name + ".yaml"), "name: " + name + "\n"
                + "base:\n"
                + "  image: {path: ../bases/" + base + ", sha256: " + inputHashes.get(baseDir.resolve(base)) + "}\n"
                + "  apt: {suite: trixie, components: [main]}\n"
                + "packages: [hello, busybox-static]\n"
                + "overlays: [overlay]\n"
                + "files:\n  - {path: /etc/derived-file, content: \"derived\\n\", mode: \"0600\", owner: 0, group: 0}\n"
                + "boot:\n  config: {gpu_mem: \"16\", arm_64bit: \"1\"}\n  cmdline: [quiet]\n");
    }

    @Test
    void theFilesystemsAreSoundAndHoldBaseAndAddedPackages() throws Exception {
        Tools.require("e2fsck");
        Tools.require("debugfs");
        Tools.require("fsck.fat");
        Tools.Result e2fsck = Tools.run("e2fsck", "-fn", root.toString());
        assertEquals(0, e2fsck.exit(), e2fsck.all());
        Tools.Result fsck = Tools.run("fsck.fat", "-n", boot.toString());
        assertEquals(0, fsck.exit(), fsck.all());

        assertTrue(debugfs("stat /usr/bin/hello").contains("Type: regular"), "the added package's files");
        assertTrue(debugfs("stat /usr/share/doc/hello/copyright").contains("Type: regular"));
        assertTrue(debugfs("stat /usr/bin/busybox").contains("Type: regular"), "the base's files");
        assertTrue(debugfs("stat /usr/sbin/init").contains("Type: regular"), "the base's overlay");
        assertTrue(debugfs("cat /var/lib/dpkg/info/hello.list").contains("/usr/bin/hello\n"));
        String status = "\n" + debugfs("cat /var/lib/dpkg/status");
        for (String p : List.of("hello", "busybox-static", "libc6", "linux-image-arm64", "raspi-firmware")) {
            assertTrue(status.contains("\nPackage: " + p + "\n"), p + " in the status file");
        }
        assertEquals(1, status.split("\nPackage: busybox-static\n", -1).length - 1, "busybox-static was in the base: kept, not added again");
        assertTrue(zstBuild.out().contains("1 packages to add"), "only hello is missing from the base: " + zstBuild.out());
        assertEquals("from the derived overlay\n", debugfs("cat /etc/walt-overlay"));
        assertEquals("from the recipe\n", debugfs("cat /etc/walt-test-file"), "a file of the base recipe, kept");
        String derived = debugfs("stat /etc/derived-file");
        assertTrue(derived.contains("Mode:  0600") && derived.contains("User:     0   Group:     0"), derived);
    }

    @Test
    void theBootPartitionIsTheBasesWithTheRecipesSettingsAndTheNewPartuuid() throws Exception {
        Tools.require("mtype");
        String diskId;
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(image))) {
            diskId = p.table().diskId();
        }
        String baseId;
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(baseDir.resolve("boot-check.img")))) {
            baseId = p.table().diskId();
        }
        assertFalse(diskId.equals(baseId), "a new disk signature");
        String cmdline = mtype("cmdline.txt");
        assertTrue(cmdline.contains(" root=PARTUUID=" + diskId + "-02 "), cmdline);
        assertTrue(cmdline.strip().endsWith(" rootwait quiet"), cmdline);
        assertFalse(cmdline.contains(baseId), cmdline);
        String config = mtype("config.txt");
        assertTrue(config.startsWith("arm_64bit=1\nenable_uart=1\n"), "the base's lines, in place: " + config);
        assertEquals(1, config.split("arm_64bit=", -1).length - 1, "a setting the base has is not added twice: " + config);
        assertTrue(config.endsWith("\ngpu_mem=16\n"), config);
        String fstab = debugfs("cat /etc/fstab");
        assertTrue(fstab.contains("PARTUUID=" + diskId + "-02  /  ext4") && fstab.contains("PARTUUID=" + diskId + "-01  /boot/firmware"), fstab);
        Tools.Result dir = Tools.run("mdir", "-i", boot.toString(), "-b", "::/");
        assertTrue(dir.stdout().contains("bootcode.bin") && dir.stdout().contains("bcm2837-rpi-3-b-plus.dtb"), "the base's firmware: " + dir.stdout());
    }

    @Test
    void inputsAreOnlyRead() throws Exception {
        WaltJar.Run xz = WaltJar.run(work, ENV, "vpn-image", "build", work.resolve("recipes/derived-xz.yaml").toString(), "-o", "out",
                "--cache", cache.toString(), "--offline");
        assertEquals(0, xz.exit(), xz.stderr());
        for (Map.Entry<Path, String> e : inputHashes.entrySet()) {
            assertEquals(e.getValue(), sha256(e.getKey()), e.getKey() + " unchanged");
        }
        assertEquals(baseDirBefore, list(baseDir), "no decompressed copy beside the inputs");
        try (Stream<Path> s = Files.list(cache)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("spool-")), "the spool is gone");
        }
        Path fromXz = partition(work.resolve("out/derived-xz.img"), 2, work.resolve("root-xz.ext4"));
        assertEquals(debugfs(root, "cat /var/lib/dpkg/status"), debugfs(fromXz, "cat /var/lib/dpkg/status"), "xz and zst bases give the same system");
    }

    @Test
    void offATerminalOnlyTheSummaryIsPrinted() {
        assertEquals("", zstBuild.stderr(), "no progress lines on a pipe");
        assertTrue(zstBuild.out().startsWith("base "), zstBuild.out());
        assertFalse(zstBuild.out().contains("\r"));
    }

    @Test
    void aSecondBuildGivesTheSameBytes() throws Exception {
        Files.createDirectories(work.resolve("again"));
        WaltJar.Run r = WaltJar.run(work, ENV, "vpn-image", "build", work.resolve("recipes/derived-zst.yaml").toString(), "-o", "again",
                "--cache", cache.toString(), "--offline");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(-1L, Files.mismatch(image, work.resolve("again/derived-zst.img")));
    }

    @Test
    void aWrongSha256StopsTheBuildWithTheFileNamed() throws Exception {
        Path recipe = work.resolve("recipes/wrong.yaml");
        String right = inputHashes.get(baseDir.resolve("boot-check.img.zst"));
        String wrong = (right.charAt(0) == '0' ? "1" : "0") + right.substring(1);
        Files.writeString(recipe, Files.readString(work.resolve("recipes/derived-zst.yaml")).replace("derived-zst", "wrong").replace(right, wrong));
        Files.createDirectories(work.resolve("wrong"));
        WaltJar.Run r = WaltJar.run(work, ENV, "vpn-image", "build", recipe.toString(), "-o", "wrong", "--cache", cache.toString(), "--offline");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: boot-check.img.zst: SHA256 is " + right + ", but the recipe says " + wrong
                + " (base.image.sha256): not the base image the recipe names", r.stderr().strip());
        assertEquals(List.of(), list(work.resolve("wrong")), "no output at all");
    }

    @Test
    void bootsOnTheVirtMachineFromTheNewPartuuid() throws Exception {
        Tools.require("qemu-system-aarch64");
        Tools.require("mcopy");
        String config = mtype("config.txt");
        String kernel = config.replaceAll("(?s).*\nkernel=(\\S+)\n.*", "$1");
        String initrd = config.replaceAll("(?s).*\ninitramfs (\\S+)\n.*", "$1");
        Path dir = Files.createDirectories(work.resolve("virt"));
        for (String f : List.of(kernel, initrd)) {
            Tools.Result r = Tools.run("mcopy", "-i", boot.toString(), "::/" + f, dir.resolve(f).toString());
            assertEquals(0, r.exit(), r.all());
        }
        Path disk = dir.resolve("disk.img");
        Files.copy(image, disk);
        String cmdline = mtype("cmdline.txt").replaceAll("console=\\S+", "").strip() + " console=ttyAMA0";
        List<String> qemu = List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-m", "1024",
                "-kernel", dir.resolve(kernel).toString(), "-initrd", dir.resolve(initrd).toString(), "-append", cmdline,
                "-drive", "file=" + disk + ",if=virtio,format=raw", "-display", "none", "-monitor", "none",
                "-serial", "stdio", "-nic", "none", "-no-reboot");
        QemuBoot.Result r = QemuBoot.run(qemu, dir, "WALT-BUILD-CHECK", 180);
        assertTrue(r.sawMarker(), "no report from the booted image; console:\n" + r.console());
        assertTrue(r.console().contains("WALT-BUILD-CHECK root=/dev/vda2,ext4,rw"), r.console());
        assertTrue(r.console().contains("overlay=from the derived overlay file=640:0:4"), r.console());
    }

    private static String mtype(String file) throws Exception {
        Tools.Result r = Tools.run("mtype", "-i", boot.toString(), "::/" + file);
        assertEquals(0, r.exit(), r.all());
        return r.stdout();
    }

    private static String debugfs(String request) throws Exception {
        return debugfs(root, request);
    }

    private static String debugfs(Path fs, String request) throws Exception {
        Tools.Result r = Tools.run("debugfs", "-R", request, fs.toString());
        assertEquals(0, r.exit(), r.all());
        return r.stdout();
    }

    /** Partition {@code n} of {@code img} copied into a file of its own, for the tools that take one. */
    private static Path partition(Path img, int n, Path target) throws IOException {
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(img));
             FileChannel in = FileChannel.open(img, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            PartitionedImage.Partition part = p.partitions().stream().filter(x -> x.number() == n).findFirst().orElseThrow();
            long done = 0;
            while (done < part.size()) {
                done += in.transferTo(part.start() + done, part.size() - done, out);
            }
        }
        return target;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static String sha256(Path p) throws Exception {
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
    }
}
