package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.fat.FatVolume;
import walt.vpn.testing.QemuBoot;
import walt.vpn.testing.TestCache;
import walt.vpn.testing.Tools;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.RegularFile;

/**
 * The release pipeline end to end, as a user runs it: {@code walt vpn-image build} on the
 * boot-check test recipe, from Debian 13's arm64 packages, then the image booted under QEMU
 * (raspi3b and virt) with kernel, device tree and initramfs taken out of its FAT partition by
 * our own reader; the init from the recipe's overlay reports what the booted system sees.
 */
class BuildIT {

    private static final String SOURCE_DATE_EPOCH = "1750000000";
    private static final Path RECIPE = Path.of("test-images/boot-check/boot-check.yaml").toAbsolutePath();
    private static final Pattern REPORT = Pattern.compile(
            "WALT-BUILD-CHECK root=(\\S+) written=(\\S+) overlay=(.*?) file=(\\S+) package=\\[(.*?)\\] WALT-BUILD-CHECK-END");

    private static Path work;
    private static Path image;
    private static Path cache;

    private static Map<String, String> env() {
        return Map.of("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    }

    @BeforeAll
    static void build() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg")), "debian-archive-keyring is not installed");
        cache = TestCache.buildCache();
        work = Files.createTempDirectory("walt-build-it");
        Files.createDirectories(work.resolve("a"));
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", RECIPE.toString(), "-o", "a", "--cache", cache.toString(),
                "--format", "raw,zst", "--bmap");
        Assumptions.assumeFalse(r.stderr().contains("cannot fetch"), "Debian mirror unreachable and no warm cache: " + r.stderr());
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().contains("resolve") && r.out().contains("image") && r.out().contains("total"), "summary per stage: " + r.out());
        image = work.resolve("a/boot-check.img");
        assertTrue(Files.isRegularFile(image));
        String sha = Files.readString(work.resolve("a/boot-check.sha256"));
        Tools.Result check = Tools.run(List.of("sha256sum", "-c", "boot-check.sha256"), work.resolve("a"), 60);
        assertEquals(0, check.exit(), check.all() + sha);
    }

    /** The images are gigabytes: a run must not leave them behind. */
    @AfterAll
    static void removeWork() throws Exception {
        if (work != null) {
            Tools.Result rm = Tools.run(List.of("rm", "-rf", work.toString()), Path.of("/"), 120);
            assertEquals(0, rm.exit(), "the work directory stays behind: " + rm.all());
        }
    }

    private record Boot(Path kernel, Path dtb, Path initrd, String cmdline) {
    }

    private static Boot bootFiles(Path dir) throws IOException {
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(image)); FatVolume fat = FatVolume.open(p.partition(1))) {
            FileTree files = fat.readTree();
            String config = text(files, "/config.txt");
            String kernel = config.replaceAll("(?s).*\nkernel=(\\S+)\n.*", "$1");
            String initrd = config.replaceAll("(?s).*\ninitramfs (\\S+)\n.*", "$1");
            return new Boot(copy(files, "/" + kernel, dir), copy(files, "/bcm2837-rpi-3-b-plus.dtb", dir), copy(files, "/" + initrd, dir),
                    text(files, "/cmdline.txt").strip());
        }
    }

    private static String text(FileTree files, String path) throws IOException {
        return new String(bytes(files, path), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] bytes(FileTree files, String path) throws IOException {
        if (!(files.lookup(path) instanceof RegularFile f)) {
            throw new AssertionError(path + " is not in the boot partition");
        }
        try (InputStream in = Channels.newInputStream(f.content().open())) {
            return in.readAllBytes();
        }
    }

    private static Path copy(FileTree files, String path, Path dir) throws IOException {
        return Files.write(dir.resolve(path.substring(1)), bytes(files, path));
    }

    private static Matcher boot(List<String> qemu, long timeout) throws Exception {
        QemuBoot.Result r = QemuBoot.run(qemu, work, "WALT-BUILD-CHECK", timeout);
        Matcher m = REPORT.matcher(r.console());
        assertTrue(r.sawMarker() && m.find(), "no report from the booted image; console:\n" + r.console());
        return m;
    }

    private static void assertReport(Matcher m, String rootDevice) {
        assertEquals(rootDevice + ",ext4,rw", m.group(1).replaceAll(",rw,.*", ",rw").replaceAll("(,rw).*", "$1"));
        assertEquals("written", m.group(2));
        assertEquals("from the overlay", m.group(3));
        assertEquals("640:0:4", m.group(4));
        assertTrue(m.group(5).startsWith("BusyBox v1.37"), m.group(5));
    }

    @Test
    void bootsOnTheRaspberryPi3Machine() throws Exception {
        Tools.require("qemu-system-aarch64");
        Path dir = Files.createTempDirectory(work, "raspi");
        Boot b = bootFiles(dir);
        Path sd = dir.resolve("sd.img");
        Files.copy(image, sd);
        long size = Long.highestOneBit(Files.size(image)) << 1;
        try (var ch = java.nio.channels.FileChannel.open(sd, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), size - 1); // raspi3b wants a power of two
        }
        List<String> qemu = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "raspi3b", "-accel", "tcg,thread=single", "-m", "1G",
                "-kernel", b.kernel().toString(), "-dtb", b.dtb().toString(), "-initrd", b.initrd().toString(), "-append", b.cmdline(),
                "-drive", "file=" + sd + ",if=sd,format=raw", "-display", "none", "-monitor", "none",
                "-serial", "null", "-serial", "stdio", "-no-reboot"));
        assertReport(boot(qemu, 240), "/dev/mmcblk0p2");
    }

    @Test
    void bootsOnTheVirtMachine() throws Exception {
        Tools.require("qemu-system-aarch64");
        Path dir = Files.createTempDirectory(work, "virt");
        Boot b = bootFiles(dir);
        String cmdline = b.cmdline().replaceAll("console=\\S+", "").strip() + " console=ttyAMA0";
        Path disk = dir.resolve("disk.img");
        Files.copy(image, disk);
        List<String> qemu = List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-m", "1024",
                "-kernel", b.kernel().toString(), "-initrd", b.initrd().toString(), "-append", cmdline,
                "-drive", "file=" + disk + ",if=virtio,format=raw", "-display", "none", "-monitor", "none",
                "-serial", "stdio", "-nic", "none", "-no-reboot");
        assertReport(boot(qemu, 180), "/dev/vda2");
    }

    @Test
    void theDownloadFormatsCheckOut() throws Exception {
        Tools.require("bmaptool");
        Tools.require("zstd");
        Path a = work.resolve("a");
        Tools.Result copy = Tools.run(List.of("bmaptool", "copy", "--bmap", "boot-check.bmap", "boot-check.img.zst", "flashed.img"), a, 300);
        assertEquals(0, copy.exit(), copy.all());
        assertEquals(-1L, Files.mismatch(image, a.resolve("flashed.img")));
        String json = Files.readString(a.resolve("boot-check.json"));
        assertTrue(json.contains("\"url\" : \"boot-check.img.zst\""), json);
        Files.delete(a.resolve("flashed.img"));
    }

    /**
     * Whatever read the recipe's overlay in between (here its access times are moved, as a
     * reader under relatime would), the second build, into a folder it has to make, gives the
     * same bytes.
     */
    @Test
    void aSecondBuildGivesTheSameBytes() throws Exception {
        try (var files = Files.walk(RECIPE.resolveSibling("overlay"))) {
            for (Path p : files.toList()) {
                Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class)
                        .setTimes(null, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 86_400_000L), null);
            }
        }
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", RECIPE.toString(), "-o", "b/c", "--cache", cache.toString(), "--offline");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(-1L, Files.mismatch(image, work.resolve("b/c/boot-check.img")), "two builds differ");
    }

    @Test
    void anOutputFolderThatIsAFileIsRefused() throws Exception {
        Path file = Files.writeString(work.resolve("not-a-folder"), "mine\n");
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", RECIPE.toString(), "-o", "not-a-folder", "--offline");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: output folder is not a folder: not-a-folder", r.stderr().strip());
        assertEquals("mine\n", Files.readString(file));
    }

    @Test
    void aMissingPackageStopsTheBuildWithItsName() throws Exception {
        Path recipe = work.resolve("bad.yaml");
        Files.writeString(recipe, Files.readString(RECIPE).replace("packages: [busybox-static]", "packages: [busybox-static, walt-no-such-package]")
                .replace("overlays: [overlay]", ""));
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", recipe.toString(), "-o", ".", "--cache", cache.toString(), "--offline");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("walt-no-such-package"), r.stderr());
        assertTrue(Files.notExists(work.resolve("bad.img")));
    }

    @Test
    void aTypoInTheRecipeIsNamed() throws Exception {
        Path recipe = work.resolve("typo.yaml");
        Files.writeString(recipe, Files.readString(RECIPE).replace("packages:", "pakages:"));
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", recipe.toString(), "--offline");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: typo.yaml: pakages: unknown key (did you mean 'packages'?)", r.stderr().strip());
    }
}
