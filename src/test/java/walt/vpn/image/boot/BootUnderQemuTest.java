package walt.vpn.image.boot;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.disk.ImageFile;
import walt.vpn.disk.PartitionedImage;
import walt.vpn.fat.FatVolume;
import walt.vpn.image.SdCardImage;
import walt.vpn.testing.QemuBoot;
import walt.vpn.testing.Tools;
import walt.vpn.tree.BytesContent;
import walt.vpn.tree.Directory;
import walt.vpn.tree.FileTree;
import walt.vpn.tree.Metadata;
import walt.vpn.tree.RegularFile;
import walt.vpn.tree.Symlink;

/**
 * The boot chain proven by booting: Debian 13's arm64 kernel and our initramfs, taken back out
 * of the image's FAT partition by our own reader, find our ext4 root by PARTUUID on an emulated
 * Raspberry Pi 3 B+ SD card (and on a virt machine's virtio disk), grow it to the card, mount it
 * read-write and run its init, which reports what it sees.
 */
class BootUnderQemuTest {

    private static final String MARKER = "WALT-BOOT-CHECK";

    @TempDir
    Path dir;

    /** A busybox root whose init reports the root mount, a write, and partition and disk sizes. */
    private static FileTree busyboxRoot(TrixieArm64.Unpacked k) {
        var t = TrixieArm64.TIME;
        FileTree root = FileTree.empty(t);
        Metadata d = Metadata.of(0755, t);
        for (String p : List.of("/dev", "/proc", "/sys", "/bin", "/sbin", "/tmp")) {
            root.put(p, new Directory(d), d);
        }
        root.put("/bin/busybox", new RegularFile(Metadata.of(0755, t), k.busybox().content()), d);
        root.put("/bin/sh", new Symlink(Metadata.of(0777, t), "busybox"), d);
        root.put("/etc/motd", new RegularFile(Metadata.of(0644, t), BytesContent.of("from the overlay\n")), d);
        String init = """
                #!/bin/sh
                /bin/busybox --install -s /bin
                export PATH=/bin
                mount -t proc proc /proc 2>/dev/null
                mount -t sysfs sysfs /sys 2>/dev/null
                dev=$(awk '$2 == "/" && $1 != "rootfs" {print $1}' /proc/mounts)
                opts=$(awk '$2 == "/" && $1 != "rootfs" {print $3 "," $4}' /proc/mounts)
                part=${dev#/dev/}
                disk=$(basename "$(dirname "$(readlink -f /sys/class/block/$part)")")
                echo probe > /written && w=$(cat /written)
                echo "%s root=$dev opts=$opts written=$w motd=$(cat /etc/motd) part=$(cat /sys/class/block/$part/size) start=$(cat /sys/class/block/$part/start) disk=$(cat /sys/block/$disk/size) %s-END"
                sync
                poweroff -f
                """.formatted(MARKER, MARKER);
        root.put("/sbin/init", new RegularFile(Metadata.of(0755, t), BytesContent.of(init)), d);
        return root;
    }

    private record Card(Path image, Path kernel, Path dtb, Path initrd, String cmdline, String rootPartUuid) {
    }

    /** Builds the image, then reads kernel, dtb, initramfs and cmdline.txt back out of its FAT partition. */
    private Card card(TrixieArm64.Unpacked k) throws IOException {
        SdCardImage card = new SdCardImage(2024, TrixieArm64.TIME, 0, 0);
        BootPartition boot = new BootPartition(k.kernelVersion(), card.partUuid(2), card.partUuid(1), Map.of(), List.of());
        KernelModules modules = KernelModules.of(k.root(), k.kernelVersion());
        byte[] initrd = Initramfs.build(modules, Initramfs.DEFAULT_MODULES, k.busybox(), TrixieArm64.TIME).bytes();
        FileTree root = busyboxRoot(k);
        Path img = dir.resolve("card.img");
        card.write(boot.bootTree(k.root(), initrd, TrixieArm64.TIME), root, img);
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(img));
                FatVolume fat = FatVolume.open(p.partition(1))) {
            FileTree files = fat.readTree();
            return new Card(img, copyOut(files, "/" + boot.kernelFile()), copyOut(files, "/" + BootPartition.DTB),
                    copyOut(files, "/" + boot.initrdFile()), new String(bytes(files, "/cmdline.txt")).strip(), card.partUuid(2));
        }
    }

    private Path copyOut(FileTree files, String path) throws IOException {
        Path out = dir.resolve(path.substring(1));
        Files.write(out, bytes(files, path));
        return out;
    }

    private static byte[] bytes(FileTree files, String path) throws IOException {
        RegularFile f = (RegularFile) files.lookup(path);
        try (InputStream in = Channels.newInputStream(f.content().open())) {
            return in.readAllBytes();
        }
    }

    /** A sparse copy of the image grown to {@code size} bytes: the emulated card, larger than the image. */
    private Path cardOfSize(Path img, long size) throws IOException {
        Path sd = dir.resolve("sd.img");
        Files.copy(img, sd);
        try (var ch = java.nio.channels.FileChannel.open(sd, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), size - 1);
        }
        return sd;
    }

    private static final Pattern REPORT = Pattern.compile(MARKER + " root=(\\S+) opts=(\\S+) written=(\\S+) motd=(.*?) part=(\\d+) start=(\\d+) disk=(\\d+) " + MARKER + "-END");

    private static Matcher report(QemuBoot.Result r) {
        Matcher m = REPORT.matcher(r.console());
        assertTrue(r.sawMarker() && m.find(), "no report from the booted root; console:\n" + r.console());
        return m;
    }

    @Test
    void raspi3bBootsTheSdCardAndGrowsTheRoot() throws Exception {
        Tools.require("qemu-system-aarch64");
        TrixieArm64.Unpacked k = TrixieArm64.get();
        Card c = card(k);
        long size = Long.highestOneBit(Files.size(c.image())) << 1; // raspi3b wants a power of two
        Path sd = cardOfSize(c.image(), size);
        List<String> cmd = new ArrayList<>(List.of("qemu-system-aarch64", "-M", "raspi3b", "-accel", "tcg,thread=single", "-m", "1G",
                "-kernel", c.kernel().toString(), "-initrd", c.initrd().toString(), "-dtb", c.dtb().toString(),
                "-append", c.cmdline(),
                "-drive", "file=" + sd + ",if=sd,format=raw", "-display", "none", "-monitor", "none",
                // The Pi 3 B+ console (ttyS1 in cmdline.txt) is the second serial port.
                "-serial", "null", "-serial", "stdio", "-no-reboot"));
        QemuBoot.Result r = QemuBoot.run(cmd, dir, MARKER, 240);
        Matcher m = report(r);
        assertEquals("/dev/mmcblk0p2", m.group(1));
        assertTrue(m.group(2).startsWith("ext4,rw"), m.group(2));
        assertEquals("probe", m.group(3));
        assertEquals("from the overlay", m.group(4));
        long part = Long.parseLong(m.group(5));
        long start = Long.parseLong(m.group(6));
        long disk = Long.parseLong(m.group(7));
        assertEquals(size / 512, disk);
        assertEquals(disk - start, part, "the root partition reaches the end of the card");
        assertTrue(r.console().contains("root partition mmcblk0p2 grown"), r.console());
        // The grown partition table is on the card itself.
        try (PartitionedImage p = PartitionedImage.open(ImageFile.openReadOnly(sd))) {
            PartitionedImage.Partition root = p.partitions().get(1);
            assertEquals(size, root.start() + root.size());
        }
    }

    @Test
    void virtBootsTheSameImageFromAVirtioDisk() throws Exception {
        Tools.require("qemu-system-aarch64");
        TrixieArm64.Unpacked k = TrixieArm64.get();
        Card c = card(k);
        // The same arguments but the console, which is the PL011 on this machine.
        String cmdline = c.cmdline().replaceAll("console=\\S+", "").strip() + " console=ttyAMA0";
        List<String> cmd = List.of("qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53", "-m", "1024",
                "-kernel", c.kernel().toString(), "-initrd", c.initrd().toString(), "-append", cmdline,
                "-drive", "file=" + c.image() + ",if=virtio,format=raw", "-display", "none", "-monitor", "none",
                "-serial", "stdio", "-nic", "none", "-no-reboot");
        QemuBoot.Result r = QemuBoot.run(cmd, dir, MARKER, 180);
        Matcher m = report(r);
        assertEquals("/dev/vda2", m.group(1));
        assertTrue(m.group(2).startsWith("ext4,rw"), m.group(2));
        assertEquals("probe", m.group(3));
        assertEquals(Files.size(c.image()) / 512, Long.parseLong(m.group(7)));
    }
}
