package walt.vpn.image.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.InvalidDataException;

/** The initramfs from Debian 13 arm64's real kernel and busybox, read back by GNU cpio. */
class InitramfsTest {

    @TempDir
    Path dir;

    private static int at(List<String> order, String module) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).endsWith("/" + module + ".ko.xz")) {
                return i;
            }
        }
        throw new AssertionError(module + " is not in " + order);
    }

    @Test
    void modulesComeAfterWhatTheyNeed() throws Exception {
        TrixieArm64.Unpacked k = TrixieArm64.get();
        KernelModules modules = KernelModules.of(k.root(), k.kernelVersion());
        List<String> order = modules.loadOrder(Initramfs.DEFAULT_MODULES);
        // ext4 depends= jbd2,mbcache,crc16 and softdep pre: crypto-crc32c (an alias of crc32c_generic)
        int ext4 = at(order, "ext4");
        assertTrue(at(order, "jbd2") < ext4);
        assertTrue(at(order, "mbcache") < ext4);
        assertTrue(at(order, "crc16") < ext4);
        assertTrue(at(order, "crc32c_generic") < at(order, "jbd2"));
        at(order, "bcm2835");
        at(order, "bcm2835_wdt");
        at(order, "virtio_blk");
        assertEquals(order.size(), new java.util.HashSet<>(order).size(), "each module once");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> modules.loadOrder(List.of("no_such_module")));
        assertTrue(e.getMessage().contains("no_such_module"), e.getMessage());
    }

    @Test
    void gnuCpioReadsTheArchive() throws Exception {
        Tools.require("cpio");
        TrixieArm64.Unpacked k = TrixieArm64.get();
        KernelModules modules = KernelModules.of(k.root(), k.kernelVersion());
        Initramfs initramfs = Initramfs.build(modules, Initramfs.DEFAULT_MODULES, k.busybox(), TrixieArm64.TIME);
        byte[] gz = initramfs.bytes();
        assertEquals(-1, java.util.Arrays.mismatch(gz, Initramfs.build(modules, Initramfs.DEFAULT_MODULES, k.busybox(), TrixieArm64.TIME).bytes()),
                "two builds give the same bytes");
        Path cpio = dir.resolve("initrd.cpio");
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            Files.write(cpio, in.readAllBytes());
        }
        Tools.Result list = Tools.run(List.of("sh", "-c", "cpio -t -v --quiet < " + cpio), dir, 60);
        assertEquals(0, list.exit(), list.all());
        assertTrue(list.stdout().matches("(?s).*crw-------\\s+1 root\\s+root\\s+5,\\s+1 .* dev/console\n.*"), list.stdout());
        assertTrue(list.stdout().matches("(?s).*-rwxr-xr-x .* init\n.*"), list.stdout());
        assertTrue(list.stdout().matches("(?s).*lrwxrwxrwx .* bin/sh -> busybox\n.*"), list.stdout());
        Path out = Files.createDirectory(dir.resolve("x"));
        Tools.Result extract = Tools.run(List.of("sh", "-c", "cpio -i -d --quiet --no-absolute-filenames < " + cpio), out, 60);
        assertEquals(0, extract.exit(), extract.all());
        for (String m : initramfs.modules()) {
            assertTrue(Files.isRegularFile(out.resolve(m.substring(1))), m);
        }
        assertEquals(String.join("\n", initramfs.modules()) + "\n", Files.readString(out.resolve("etc/walt-modules")));
        assertEquals(k.busybox().content().size(), Files.size(out.resolve("bin/busybox")));
        Tools.Result syntax = Tools.run(List.of("sh", "-n", out.resolve("init").toString()), dir, 10);
        assertEquals(0, syntax.exit(), syntax.all());
    }
}
