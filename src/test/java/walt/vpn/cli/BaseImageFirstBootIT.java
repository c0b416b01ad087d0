package walt.vpn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import walt.vpn.testing.QemuBoot;
import walt.vpn.testing.Tools;

/**
 * The release base image, rpi3bp-base, built and booted on an emulated Raspberry Pi 3 B+ the
 * whole way: the first boot runs the pending preinst scripts and dpkg --configure -a as PID 1,
 * grows the root partition and filesystem to the card, then systemd brings up networkd, sshd
 * (with host keys made on the board) and a login prompt named after the overlay's hostname,
 * with no failed unit. About eight minutes of TCG emulation; prints how long the first boot's
 * configuration took, the cost the build moves to the node.
 */
class BaseImageFirstBootIT {

    @Test
    void firstBootConfiguresEverythingAndReachesALoginPrompt() throws Exception {
        Tools.require("qemu-system-aarch64");
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/keyrings/debian-archive-keyring.gpg")), "debian-archive-keyring is not installed");
        String base = System.getenv("WALT_TEST_CACHE");
        Path cache = (base != null && !base.isEmpty() ? Path.of(base) : Path.of(System.getProperty("user.home"), ".cache", "walt-vpn-tests")).resolve("build-cache");
        Path work = Files.createTempDirectory("walt-base-boot");
        WaltJar.Run r = WaltJar.run(work, Map.of("SOURCE_DATE_EPOCH", "1750000000"), "vpn-image", "build",
                Path.of("image-recipes/rpi3bp-base.yaml").toAbsolutePath().toString(), "--cache", cache.toString(), "--format", "raw");
        Assumptions.assumeFalse(r.stderr().contains("cannot fetch"), "Debian mirror unreachable and no warm cache: " + r.stderr());
        assertEquals(0, r.exit(), r.stderr());
        Path img = work.resolve("rpi3bp-base.img");
        for (String f : List.of("config.txt", "cmdline.txt", "bcm2837-rpi-3-b-plus.dtb")) {
            Files.write(work.resolve(f), WaltJar.run(work, "vpn-image", "cat", img + "@1:/" + f).stdout());
        }
        String config = Files.readString(work.resolve("config.txt"));
        String kernel = config.replaceAll("(?s).*\nkernel=(\\S+)\n.*", "$1");
        String initrd = config.replaceAll("(?s).*\ninitramfs (\\S+)\n.*", "$1");
        Files.write(work.resolve("vmlinuz"), WaltJar.run(work, "vpn-image", "cat", img + "@1:/" + kernel).stdout());
        Files.write(work.resolve("initrd"), WaltJar.run(work, "vpn-image", "cat", img + "@1:/" + initrd).stdout());
        Path sd = work.resolve("sd.img");
        Files.copy(img, sd);
        long card = Long.highestOneBit(Files.size(img)) << 1;
        try (var ch = java.nio.channels.FileChannel.open(sd, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), card - 1);
        }
        long start = System.nanoTime();
        QemuBoot.Result boot = QemuBoot.runUntil(List.of("qemu-system-aarch64", "-M", "raspi3b", "-accel", "tcg,thread=single", "-m", "1G",
                "-kernel", work.resolve("vmlinuz").toString(), "-initrd", work.resolve("initrd").toString(),
                "-dtb", work.resolve("bcm2837-rpi-3-b-plus.dtb").toString(), "-append", Files.readString(work.resolve("cmdline.txt")).strip(),
                "-drive", "file=" + sd + ",if=sd,format=raw", "-display", "none", "-monitor", "none", "-serial", "null", "-serial", "stdio",
                "-netdev", "user,id=n0", "-device", "usb-net,netdev=n0", "-no-reboot"), work, "rpi3bp ttyS1", 1500);
        String console = boot.console();
        String tail = console.substring(Math.max(0, console.length() - 4000));
        assertTrue(boot.sawMarker(), "no login prompt; console ends with:\n" + tail);
        System.err.printf("rpi3bp-base: first boot to the login prompt in %d s under raspi3b TCG%n", (System.nanoTime() - start) / 1_000_000_000L);
        assertTrue(console.contains("walt-vpn first boot: preinst install: base-passwd"), tail);
        assertFalse(console.contains("configuration failed"), "dpkg --configure -a failed:\n" + tail);
        assertTrue(console.contains("walt-initramfs: root partition mmcblk0p2 grown"), "partition grown");
        assertTrue(console.contains("Finished systemd-growfs-root.service") || console.contains("growfs-root.service\u001b[0m - Grow Root File System"),
                "filesystem grown:\n" + tail);
        assertTrue(console.contains("Mounted \u001b[0;1;39mboot-firmware.mount") || console.contains("Mounted boot-firmware.mount"), "/boot/firmware mounted");
        assertTrue(console.contains("Started \u001b[0;1;39mssh.service") || console.contains("Started ssh.service"), "sshd started");
        assertTrue(console.contains("Creating SSH2 ED25519 key"), "host keys made on the board");
        assertFalse(console.contains("FAILED"), "a unit failed:\n" + tail);
    }
}
