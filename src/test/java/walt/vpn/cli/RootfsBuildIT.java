package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import walt.vpn.testing.TestCache;
import walt.vpn.testing.Tools;

/**
 * A recipe of {@code target: rootfs} for the build host's architecture, as a user runs it:
 * {@code walt vpn-image build} makes Debian 12 amd64's root as {@code rootfs-check.tar}, GNU tar
 * unpacks it as root, and the first-boot script finishes the install in a plain chroot (no
 * mount: the tar carries /dev's few devices). dpkg itself is the oracle: {@code --audit} finds
 * nothing, every package is {@code ii}, and the packages' binaries run. Two builds with the
 * same SOURCE_DATE_EPOCH give the same tar.
 */
class RootfsBuildIT {

    private static final String SOURCE_DATE_EPOCH = "1750000000";
    private static final Path RECIPE = Path.of("test-images/rootfs-check/rootfs-check.yaml").toAbsolutePath();
    private static final long CHROOT_SECONDS = 300;

    private static Path work;
    private static Path cache;
    private static Path tar;

    private static Map<String, String> env() {
        return Map.of("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    }

    @BeforeAll
    static void build() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg")), "debian-archive-keyring is not installed");
        cache = TestCache.buildCache();
        work = Files.createTempDirectory("walt-rootfs-it");
        long start = System.nanoTime();
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", RECIPE.toString(), "-o", "a", "--cache", cache.toString());
        Assumptions.assumeFalse(r.stderr().contains("cannot fetch"), "Debian mirror unreachable and no warm cache: " + r.stderr());
        assertEquals(0, r.exit(), r.stderr());
        System.err.printf("rootfs-check built in %d ms:%n%s", (System.nanoTime() - start) / 1_000_000, r.out());
        assertTrue(r.out().contains("unpack") && r.out().contains("tar ") && r.out().contains("total"), "summary per stage: " + r.out());
        tar = work.resolve("a/rootfs-check.tar");
        assertTrue(Files.isRegularFile(tar));
    }

    @AfterAll
    static void removeWork() throws Exception {
        if (work != null) {
            // --one-file-system: never into anything mounted below, should a run have left a mount.
            Tools.Result rm = Tools.run(List.of("rm", "-rf", "--one-file-system", work.toString()), Path.of("/"), 120);
            assertEquals(0, rm.exit(), "the work directory stays behind: " + rm.all());
        }
    }

    @Test
    void theOutputsAreTheTarItsCompressedCopyAndTheirSums() throws Exception {
        Tools.require("zstd");
        Path a = work.resolve("a");
        try (var files = Files.list(a)) {
            assertEquals(List.of("rootfs-check.sha256", "rootfs-check.tar", "rootfs-check.tar.zst"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no image, no block map, no Imager entry, no temporary file");
        }
        Tools.Result sums = Tools.run(List.of("sha256sum", "-c", "rootfs-check.sha256"), a, 60);
        assertEquals(0, sums.exit(), sums.all());
        Tools.Result unzst = Tools.run(List.of("sh", "-c", "zstd -dc rootfs-check.tar.zst | cmp - rootfs-check.tar"), a, 120);
        assertEquals(0, unzst.exit(), "the .tar.zst holds the tar: " + unzst.all());
    }

    @Test
    void theTarHasTheRootAloneWithDevicesAndHardLinks() throws Exception {
        Tools.Result list = Tools.run(List.of("tar", "--numeric-owner", "-tvf", tar.toString()), work, 120);
        assertEquals(0, list.exit(), list.stderr());
        List<String> lines = list.stdout().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("crw-rw-rw- 0/0") && l.endsWith(" dev/null") && l.contains("1,3")), "dev/null kept as a device");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("h")), "hard links kept as links");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("-rw-r----- 0/4 ") && l.endsWith(" etc/walt-test-file")), "the recipe's file, mode and group kept");
        assertTrue(lines.stream().anyMatch(l -> l.endsWith(" usr/bin/ssh")));
        for (String absent : List.of(" boot/vmlinuz-", " usr/lib/modules/", " usr/lib/raspi-firmware/", " boot/initrd.img", "busybox")) {
            assertFalse(lines.stream().anyMatch(l -> l.contains(absent)), "no kernel, modules, firmware, initramfs or busybox: " + absent);
        }
        assertTrue(lines.get(0).endsWith(" ./") && lines.get(0).contains("2025-06-15"), "times are SOURCE_DATE_EPOCH's: " + lines.get(0));
    }

    /** The second build reads every .deb from the cache: cheap, and its tar must be the same bytes. */
    @Test
    void aSecondBuildGivesTheSameTar() throws Exception {
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", RECIPE.toString(), "-o", "b", "--cache", cache.toString(),
                "--offline", "--format", "raw");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(-1L, Files.mismatch(tar, work.resolve("b/rootfs-check.tar")), "two builds differ");
        assertFalse(Files.exists(work.resolve("b/rootfs-check.tar.zst")), "--format raw: the tar alone");
    }

    @Test
    void aBlockMapIsRefusedForATar() throws Exception {
        WaltJar.Run r = WaltJar.run(work, env(), "vpn-image", "build", RECIPE.toString(), "-o", "c", "--bmap", "--offline");
        assertEquals(2, r.exit(), r.stderr());
        assertEquals("walt: --bmap: the recipe's target is rootfs, a tar, which has no block map", r.stderr().strip());
    }

    /**
     * The documented way: {@code tar -xpf}, then the first-boot script in a chroot, with nothing
     * mounted. It runs the pending preinsts and {@code dpkg --configure -a} with a policy-rc.d
     * that keeps services from starting, removed afterwards.
     */
    @Test
    void aChrootFinishesTheInstallAndDpkgIsContent() throws Exception {
        Tools.requireRoot();
        Tools.require("chroot");
        Path root = Files.createDirectory(work.resolve("root"));
        Tools.Result x = Tools.run(List.of("tar", "-xpf", tar.toString(), "-C", root.toString()), work, 300);
        assertEquals(0, x.exit(), x.all());
        assertTrue(Files.exists(root.resolve("var/lib/walt-vpn/first-boot/pending")), "configuration pending before the chroot");
        Tools.Result stat = Tools.run(List.of("stat", "-c", "%F %t:%T %a", root.resolve("dev/null").toString()), work, 10);
        assertEquals("character special file 1:3 666", stat.stdout().strip());

        long start = System.nanoTime();
        Tools.Result conf = chroot(root, "/usr/lib/walt-vpn/first-boot-configure");
        System.err.printf("configured in the chroot in %d ms%n", (System.nanoTime() - start) / 1_000_000);
        assertEquals(0, conf.exit(), conf.all());
        assertTrue(conf.stdout().contains("Setting up openssh-client ("), conf.all());
        assertTrue(conf.stdout().contains("walt-vpn first boot: all packages configured"), conf.all());
        assertFalse(Files.exists(root.resolve("var/lib/walt-vpn/first-boot/pending")), "nothing pending any more");
        assertFalse(Files.exists(root.resolve("usr/sbin/policy-rc.d"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "temporary policy-rc.d removed");

        Tools.Result audit = chroot(root, "dpkg", "--audit");
        assertEquals(0, audit.exit(), audit.all());
        assertEquals("", audit.all(), "dpkg --audit finds half-installed packages");
        Tools.Result q = chroot(root, "dpkg-query", "-W", "-f", "${binary:Package} ${db:Status-Abbrev}\\n");
        assertEquals(0, q.exit(), q.all());
        List<String> packages = q.stdout().lines().toList();
        assertTrue(packages.size() > 50, q.stdout());
        for (String l : packages) {
            assertTrue(l.endsWith(" ii "), "not installed: " + l);
        }
        assertTrue(packages.contains("openssh-client ii ") && packages.contains("iproute2 ii "), q.stdout());
        Tools.Result l = chroot(root, "dpkg", "-l", "openssh-client");
        assertTrue(l.stdout().lines().anyMatch(s -> s.startsWith("ii  openssh-client")), l.all());

        Tools.Result ssh = chroot(root, "ssh", "-V");
        assertEquals(0, ssh.exit(), ssh.all());
        assertTrue(ssh.stderr().startsWith("OpenSSH_9.2p1 Debian"), ssh.all());
        Tools.Result ip = chroot(root, "ip", "-V");
        assertEquals(0, ip.exit(), ip.all());
        assertTrue(ip.stdout().startsWith("ip utility, iproute2-"), ip.all());

        Tools.Result again = chroot(root, "/usr/lib/walt-vpn/first-boot-configure");
        assertEquals(0, again.exit(), again.all());
        assertEquals("", again.all(), "a second run has nothing to do");
    }

    private static Tools.Result chroot(Path root, String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("chroot", root.toString()));
        cmd.addAll(List.of(command));
        return Tools.run(cmd, work, CHROOT_SECONDS, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C"));
    }
}
