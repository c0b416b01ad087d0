package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.testing.LabServer;
import walt.vpn.testing.TestCache;
import walt.vpn.testing.Tools;
import walt.vpn.testing.WaltBootServer;
import walt.vpn.testing.WaltImage;

/**
 * {@code walt vpn setup-node} as a user runs it: the node base built from the default recipe
 * (once, then cached), a site written into the boot partition only, the image booted under
 * {@code qemu-system-aarch64 -M virt} with QEMU's user network to a real WalT VPN server on
 * this machine (walt vpn-server and sshd on 127.0.0.1, which the guest reaches as 10.0.2.2).
 * The console shows the first boot configuring the packages, the node making its key and
 * printing its fingerprint, its request denied while no monitor runs; then
 * {@code walt vpn monitor --accept} takes that fingerprint and the node's tunnel comes up on
 * the server's tap. Then the same card, after that power cut, boots on the closest model of
 * the real board ({@code -M raspi3b}: Cortex-A53 at EL2, no GIC, its network on USB): its
 * root is checked, the certificate the operator revoked meanwhile is refused, the node enrols
 * again and its tunnel comes back, and its own QEMU
 * starts the WalT node VM under KVM, which boots as a node of model qemu-arm-64 from a
 * stand-in of the WalT server's network boot on walt-net, through the tunnel. About fifteen
 * minutes of TCG emulation.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeImageIT {

    static final int PORT = 2222;
    static final String SITE = "10.0.2.2:" + PORT;
    static final Map<String, String> EPOCH = Map.of("SOURCE_DATE_EPOCH", "1750000000");
    static final Pattern FINGERPRINT = Pattern.compile("walt-vpn: node key fingerprint (SHA256:[A-Za-z0-9+/]{43})");

    /** The board's MAC (QEMU gives it to the NIC), and the VM's, derived from it by the node. */
    static final String BOARD_MAC = "b8:27:eb:12:34:56";
    static final String VM_MAC = "52:54:00:12:34:56";
    /** The server's address on walt-net, where the stand-in of WalT's network boot answers. */
    static final String WALT_NET_ADDR = "10.231.77.1";

    static Path work;
    static Path cache;
    static LabServer server;
    /** The card as the first boot left it (order 3), booted again on raspi3b (order 4). */
    static Path card;
    static Path bootFiles;
    static String nodeFingerprint;

    @BeforeAll
    static void setUp() throws Exception {
        Tools.requireRoot();
        Tools.require("sshd");
        Tools.require("qemu-system-aarch64");
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg")), "debian-archive-keyring is not installed");
        cache = TestCache.buildCache();
        work = Files.createTempDirectory("walt-node-image");
        server = LabServer.start(Path.of("/run/walt-vpn-node-it"), "127.0.0.1", PORT, "wvn-net");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (work != null) {
            Tools.run(List.of("rm", "-rf", work.toString()), Path.of("/"), 120);
        }
    }

    static WaltJar.Run setupNode(String output, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("vpn", "setup-node", "--server", SITE,
                "--server-host-keys", server.hostKeyDir().toString(), "--state-dir", server.stateDir().toString(),
                "--recipe", Path.of("image-recipes/rpi3bp-vpn-node.yaml").toAbsolutePath().toString(),
                "--cache", cache.toString(), "-o", output));
        args.addAll(List.of(more));
        WaltJar.Run r = WaltJar.run(work, EPOCH, args.toArray(String[]::new));
        Assumptions.assumeFalse(r.stderr().contains("cannot fetch"), "Debian mirror unreachable and no warm cache: " + r.stderr());
        return r;
    }

    @Test
    @Order(1)
    void sameInputsGiveTheSameBytesAndSitesDifferOnlyInTheirFolder() throws Exception {
        // 256 MiB and one CPU for the node's VM: the emulated board has 1 GiB, and its four cores are one host thread.
        WaltJar.Run a = setupNode("site-a.img", "--entrypoint", SITE, "--vm-memory", "256", "--vm-cpus", "1");
        assertEquals(0, a.exit(), a.stderr());
        assertTrue(a.out().contains("flash it with:  dd if=site-a.img"), a.out());
        // The second also releases what build releases: block map, SHA-256 list, Imager entry.
        WaltJar.Run again = setupNode("site-a-again.img", "--entrypoint", SITE, "--vm-memory", "256", "--vm-cpus", "1",
                "--bmap", "--checksums");
        assertEquals(0, again.exit(), again.stderr());
        assertEquals(-1L, Files.mismatch(work.resolve("site-a.img"), work.resolve("site-a-again.img")), "same inputs, same bytes");
        Tools.Result sums = Tools.run(List.of("sha256sum", "-c", "site-a-again.sha256"), work, 120);
        assertEquals(0, sums.exit(), sums.all());
        assertTrue(sums.stdout().contains("site-a-again.img: OK") && sums.stdout().contains("site-a-again.bmap: OK"), sums.stdout());
        assertTrue(Files.readString(work.resolve("site-a-again.json")).contains("\"url\" : \"site-a-again.img\""));
        assertTrue(again.out().contains("bmaptool copy --bmap site-a-again.bmap site-a-again.img"), again.out());

        Path proxyKeys = work.resolve("proxy-keys.txt");
        Tools.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work.resolve("proxy").toString()), work, 30);
        Files.writeString(proxyKeys, "host-key: " + Files.readString(work.resolve("proxy.pub")).split(" ")[0] + " "
                + Files.readString(work.resolve("proxy.pub")).split(" ")[1] + "\n");
        WaltJar.Run b = setupNode("site-b.img", "--entrypoint", "entry.example.org", "--host-keys", "entry.example.org=" + proxyKeys,
                "--vm-memory", "256", "--vm-cpus", "1");
        assertEquals(0, b.exit(), b.stderr());
        assertOnlySiteFolderDiffers(work.resolve("site-a.img"), work.resolve("site-b.img"));
        String config = WaltJar.run(work, "vpn-image", "cat", work.resolve("site-b.img") + "@1:/walt-vpn/ssh_config").out();
        assertTrue(config.contains("HostName entry.example.org"), config);
        assertTrue(WaltJar.run(work, "vpn-image", "cat", work.resolve("site-b.img") + "@1:/walt-vpn/vpn.conf").out()
                .contains("WALT_VPN_VM_MEMORY='256'"));
        assertFatClean(work.resolve("site-b.img"));

        // The node's services in the image are the files the other tests run (rootfs-overlay).
        Path lib = Path.of("rootfs-overlay/usr/lib/walt-vpn");
        try (var files = Files.list(lib)) {
            for (Path f : files.toList()) {
                WaltJar.Run shipped = WaltJar.run(work, "vpn-image", "cat", work.resolve("site-a.img") + "@2:/usr/lib/walt-vpn/" + f.getFileName());
                assertEquals(0, shipped.exit(), shipped.stderr());
                assertTrue(java.util.Arrays.equals(Files.readAllBytes(f), shipped.stdout()), f + " differs in the image");
            }
        }
    }

    @Test
    @Order(2)
    void hostileValuesAreRefusedOnOneLine() throws Exception {
        for (String bad : List.of("evil.example\nProxyCommand sh", "evil.example -oProxyCommand=x", "'; reboot; '", "[::1", "host:99999")) {
            WaltJar.Run r = setupNode("bad.img", "--entrypoint", bad);
            assertEquals(2, r.exit(), bad + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().filter(l -> l.startsWith("walt:")).count(), r.stderr());
            assertFalse(Files.exists(work.resolve("bad.img")), "no output left behind");
        }
    }

    @Test
    @Order(3)
    void theNodeBootsMakesItsKeyAndIsAcceptedThroughTheMonitor() throws Exception {
        Path img = work.resolve("site-a.img");
        Path dir = Files.createDirectories(work.resolve("boot"));
        String config = WaltJar.run(work, "vpn-image", "cat", img + "@1:/config.txt").out();
        String kernel = config.replaceAll("(?s).*\nkernel=(\\S+)\n.*", "$1");
        String initrd = config.replaceAll("(?s).*\ninitramfs (\\S+)\n.*", "$1");
        Files.write(dir.resolve("vmlinuz"), WaltJar.run(work, "vpn-image", "cat", img + "@1:/" + kernel).stdout());
        Files.write(dir.resolve("initrd"), WaltJar.run(work, "vpn-image", "cat", img + "@1:/" + initrd).stdout());
        String cmdline = WaltJar.run(work, "vpn-image", "cat", img + "@1:/cmdline.txt").out().strip()
                .replaceAll("console=\\S+", "").strip() + " console=ttyAMA0";
        Files.write(dir.resolve("board.dtb"), WaltJar.run(work, "vpn-image", "cat", img + "@1:/bcm2837-rpi-3-b-plus.dtb").stdout());
        bootFiles = dir;
        Path disk = dir.resolve("sd.img");
        card = disk;
        Tools.run(List.of("cp", "--sparse=always", img.toString(), disk.toString()), work, 300);
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), (4L << 30) - 1);
        }
        Path console = dir.resolve("console.log");
        Process qemu = new ProcessBuilder("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-smp", "4", "-m", "1024",
                "-kernel", dir.resolve("vmlinuz").toString(), "-initrd", dir.resolve("initrd").toString(), "-append", cmdline,
                "-drive", "file=" + disk + ",if=virtio,format=raw", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,mac=" + BOARD_MAC + ",romfile=", "-no-reboot")
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            long start = System.nanoTime();
            Thread.sleep(3000);
            assertTrue(qemu.isAlive(), "qemu did not start:\n" + tail(console));
            String fingerprint = awaitConsole(console, FINGERPRINT, 1500).group(1);
            nodeFingerprint = fingerprint;
            long keyAt = (System.nanoTime() - start) / 1_000_000_000L;
            awaitConsole(console, Pattern.compile("walt-vpn: enrolment request to \\S*10\\.0\\.2\\.2\\S* denied: no operator is running walt vpn monitor"), 300);
            String text = Files.readString(console);
            assertTrue(text.contains("walt-vpn first boot: preinst install: base-passwd"), "the first boot ran the preinst scripts");
            assertFalse(text.contains("configuration failed"), "dpkg --configure -a failed");
            assertTrue(text.contains("Setting up qemu-system-arm"), "the packages were configured on the node");
            assertTrue(Pattern.compile("walt-initramfs: root partition \\S+ grown").matcher(text).find(), "root partition grown to the disk");
            assertTrue(text.contains("boot-firmware.mount"), "/boot/firmware (the site folder's partition) mounted");
            Process monitor = server.background(server.walt("vpn", "monitor", "--accept", fingerprint, "--timeout", "300"), "monitor.log");
            assertTrue(monitor.waitFor(320, TimeUnit.SECONDS), "monitor --accept returns once the node is accepted");
            assertEquals(0, monitor.exitValue(), server.log("monitor.log"));
            assertTrue(server.log("monitor.log").contains("MAC b8:27:eb:12:34:56, key " + fingerprint), server.log("monitor.log"));
            awaitConsole(console, Pattern.compile("walt-vpn: enrolment request to \\S+ accepted"), 120);
            server.await("the node's tunnel on tap1", () -> server.sys("/sys/class/net/tap1/carrier").equals("1"), 300);
            System.err.printf("vpn node: key at %d s, tunnel up at %d s under virt TCG%n", keyAt, (System.nanoTime() - start) / 1_000_000_000L);
            assertFalse(Files.readString(console).contains("FAILED"), "a unit failed:\n" + tail(console));
        } finally {
            qemu.destroyForcibly();
            qemu.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(4)
    void onTheBoardItsOwnQemuBootsTheWaltNodeUnderKvmThroughTheTunnel() throws Exception {
        Assumptions.assumeTrue(card != null, "the first boot (order 3) did not run");
        // The server's walt-net: the node's tap joins it, and WalT's network boot answers there.
        Tools.run(List.of("ip", "link", "add", "wvn-net", "type", "bridge"), work, 10);
        ok(Tools.run(List.of("ip", "addr", "add", WALT_NET_ADDR + "/24", "dev", "wvn-net"), work, 10));
        ok(Tools.run(List.of("ip", "link", "set", "wvn-net", "up"), work, 10));
        WaltImage image = WaltImage.write(work.resolve("walt-image"), true);
        List<Process> started = new ArrayList<>();
        WaltBootServer walt = WaltBootServer.start((cmd, log) -> {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            started.add(p);
            return p;
        }, Files.createDirectories(work.resolve("walt-boot")), "wvn-net", WALT_NET_ADDR, image, true);

        String cmdline = WaltJar.run(work, "vpn-image", "cat", work.resolve("site-a.img") + "@1:/cmdline.txt").out().strip()
                .replaceAll("console=\\S+", "").strip()
                // On the board the wired NIC is a LAN7515 with its own MAC; QEMU's usb-net is
                // claimed by cdc_ether (which reads the MAC given here) or by cdc_subset (which
                // makes up a random one the node rightly refuses as the board's): keep the latter out.
                + " modprobe.blacklist=cdc_subset"
                // The VM's serial console goes to the journal: show the journal on the console.
                + " systemd.journald.forward_to_console=1 console=ttyAMA0,115200";
        // The node is revoked while the card moves to the board: there it must find its
        // certificate refused, enrol again (the operator accepts the same key) and come back.
        ok(server.exec(server.walt("vpn", "revoke", "node-1"), 60));
        Process monitor = server.background(server.walt("vpn", "monitor", "--accept", nodeFingerprint, "--timeout", "1500"),
                "monitor-board.log");
        Path console = Path.of("target/node-board-console.log").toAbsolutePath();
        Files.createDirectories(console.getParent());
        Files.deleteIfExists(console);
        Process qemu = new ProcessBuilder("qemu-system-aarch64", "-M", "raspi3b", "-accel", "tcg,thread=single", "-m", "1G",
                "-kernel", bootFiles.resolve("vmlinuz").toString(), "-initrd", bootFiles.resolve("initrd").toString(),
                "-dtb", bootFiles.resolve("board.dtb").toString(), "-append", cmdline,
                "-drive", "file=" + card + ",if=sd,format=raw", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-usb", "-device", "usb-net,netdev=n0,mac=" + BOARD_MAC, "-netdev", "user,id=n0", "-no-reboot")
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            long start = System.nanoTime();
            awaitConsole(console, Pattern.compile("CPU: All CPU\\(s\\) started at EL2"), 120);
            awaitConsole(console, Pattern.compile("kvm \\[1\\]: Hyp nVHE mode initialized successfully"), 120);
            // The power cut at the end of the first boot's test: the root is checked before it is written to.
            awaitConsole(console, Pattern.compile("File System Check on Root Device"), 600);
            awaitConsole(console, Pattern.compile("walt-vpn: tunnel: the server no longer honours the node certificate"), 900);
            awaitConsole(console, Pattern.compile("walt-vpn: enrolment request to \\S+ accepted"), 600);
            assertTrue(monitor.waitFor(60, TimeUnit.SECONDS), "monitor --accept returns once the node is accepted");
            assertEquals(0, monitor.exitValue(), server.log("monitor-board.log"));
            awaitConsole(console, Pattern.compile("walt-vpn: tunnel: up, tap\\d+"), 600);
            long tunnelAt = (System.nanoTime() - start) / 1_000_000_000L;
            server.await("the node's tunnel on tap1 again", () -> server.sys("/sys/class/net/tap1/carrier").equals("1"), 120);
            awaitConsole(console, Pattern.compile("walt-vpn: vm: boot: leased 10\\.231\\.77\\.\\d+/24 from the WalT server " + WALT_NET_ADDR), 600);
            awaitConsole(console, Pattern.compile("walt-vpn: vm: accelerator: KVM"), 900);
            long vmAt = (System.nanoTime() - start) / 1_000_000_000L;
            awaitConsole(console, Pattern.compile(Pattern.quote(WaltImage.KERNEL_MARKER + " " + image.kernelVersion() + " aarch64")), 1200);
            awaitConsole(console, Pattern.compile(Pattern.quote(image.networkLine())), 600);
            long bootedAt = (System.nanoTime() - start) / 1_000_000_000L;
            System.err.printf("vpn node on raspi3b: tunnel up at %d s, VM started under KVM at %d s, WalT kernel's network at %d s%n",
                    tunnelAt, vmAt, bootedAt);
            List<String> registry = walt.registry();
            assertTrue(registry.stream().anyMatch(l -> l.startsWith(VM_MAC + " 10.231.77.") && l.endsWith(" node qemu-arm-64")),
                    "the VM registered as a WalT node of model qemu-arm-64: " + registry);
            String text = Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("vm: WARNING"), "the VM fell back to TCG:\n" + tail(console));
            assertTrue(text.contains("walt.node.model=qemu-arm-64") && text.contains("BOOTIF=01-52-54-00-12-34-56"), tail(console));
        } finally {
            qemu.destroyForcibly();
            qemu.waitFor(30, TimeUnit.SECONDS);
            monitor.destroy();
            for (Process p : started) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static void ok(Tools.Result r) {
        assertEquals(0, r.exit(), r.all());
    }

    static Matcher awaitConsole(Path console, Pattern p, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            Matcher m = p.matcher(Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1));
            if (m.find()) {
                return m;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("no '" + p + "' on the console after " + seconds + " s; it ends with:\n" + tail(console));
    }

    static String tail(Path console) throws IOException {
        String s = Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1);
        return s.substring(Math.max(0, s.length() - 4000));
    }

    /** The root partition is byte-identical; inside the boot partition only walt-vpn/ differs. */
    static void assertOnlySiteFolderDiffers(Path a, Path b) throws Exception {
        try (ImageFile ia = ImageFile.openReadOnly(a); ImageFile ib = ImageFile.openReadOnly(b);
                PartitionedImage pa = PartitionedImage.open(ia); PartitionedImage pb = PartitionedImage.open(ib)) {
            assertEquals(pa.partitions(), pb.partitions(), "same partition table");
            PartitionedImage.Partition boot = pa.partitions().get(0);
            long size = ia.size();
            assertEquals(size, ib.size());
            ByteBuffer x = ByteBuffer.allocate(1 << 20);
            ByteBuffer y = ByteBuffer.allocate(1 << 20);
            for (long pos = 0; pos < size; pos += x.capacity()) {
                int n = (int) Math.min(x.capacity(), size - pos);
                x.clear().limit(n);
                y.clear().limit(n);
                ia.read(pos, x);
                ib.read(pos, y);
                if (!x.flip().equals(y.flip())) {
                    assertTrue(pos >= boot.start() && pos + n <= boot.start() + boot.size(),
                            "bytes at " + pos + " differ outside the boot partition");
                }
            }
        }
        Path ta = work.resolve("a.tar");
        Path tb = work.resolve("b.tar");
        Files.deleteIfExists(ta);
        Files.deleteIfExists(tb);
        assertEquals(0, WaltJar.run(work, "vpn-image", "extract", a + "@1", "-o", ta.toString()).exit());
        assertEquals(0, WaltJar.run(work, "vpn-image", "extract", b + "@1", "-o", tb.toString()).exit());
        Tools.Result ua = Tools.run(List.of("tar", "-tvf", ta.toString()), work, 60);
        Tools.Result ub = Tools.run(List.of("tar", "-tvf", tb.toString()), work, 60);
        List<String> outside = ua.stdout().lines().filter(l -> !l.contains(" walt-vpn/")).toList();
        assertEquals(outside, ub.stdout().lines().filter(l -> !l.contains(" walt-vpn/")).toList());
        Path xa = Files.createDirectories(work.resolve("xa"));
        Path xb = Files.createDirectories(work.resolve("xb"));
        Tools.run(List.of("tar", "-xf", ta.toString(), "-C", xa.toString()), work, 60);
        Tools.run(List.of("tar", "-xf", tb.toString(), "-C", xb.toString()), work, 60);
        Tools.Result diff = Tools.run(List.of("diff", "-r", "-q", "--exclude=walt-vpn", xa.toString(), xb.toString()), work, 60);
        assertEquals(0, diff.exit(), diff.all());
        assertEquals(1, Tools.run(List.of("diff", "-q", xa.resolve("walt-vpn/ssh_config").toString(),
                xb.resolve("walt-vpn/ssh_config").toString()), work, 60).exit(), "the site folders do differ");
    }

    static void assertFatClean(Path img) throws Exception {
        Tools.require("fsck.fat");
        try (ImageFile f = ImageFile.openReadOnly(img); PartitionedImage p = PartitionedImage.open(f)) {
            PartitionedImage.Partition boot = p.partitions().get(0);
            Path part = work.resolve("boot.fat");
            Tools.run(List.of("dd", "if=" + img, "of=" + part, "bs=1M", "skip=" + boot.start() / (1 << 20),
                    "count=" + boot.size() / (1 << 20), "status=none"), work, 120);
            Tools.Result fsck = Tools.run(List.of("fsck.fat", "-n", part.toString()), work, 60);
            assertEquals(0, fsck.exit(), fsck.all());
            Files.delete(part);
        }
    }
}
